#!/usr/bin/env node
// The `kafkasim` command. Node 20 cannot run TypeScript by itself, so this shim registers
// tsx's loader and hands over to the TypeScript entry point.
import { register } from 'tsx/esm/api'

register()
await import('./main.ts')
