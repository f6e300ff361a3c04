#!/usr/bin/env node
// Committed entry point (the compiled CLI lives in dist/, which exists only after the build).
import "../dist/src/cli.js";
