#!/usr/bin/env node
console.log('vms-runner');
