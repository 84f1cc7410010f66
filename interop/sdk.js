'use strict';
// Runs calls of Amazon's official Node SDK (pinned in package-lock.json) and
// prints their answers as JSON, for the Go interop tests.
//
// stdin: {"config": {WebStoreClient config}, "calls": [{"fn": "createCheckoutSession", "args": [...]}]}
// stdout: [{"fn", "status", "data", "error"}] in the order of the calls.
const Client = require('@amazonpay/amazon-pay-api-sdk-nodejs');

async function main() {
  const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));
  const client = new Client.WebStoreClient(input.config);
  const out = [];
  for (const call of input.calls) {
    if (typeof client[call.fn] !== 'function') {
      throw new Error('no SDK method ' + call.fn);
    }
    try {
      const res = await client[call.fn](...(call.args || []));
      if (typeof res === 'string') {
        out.push({ fn: call.fn, status: 0, data: res });
      } else {
        out.push({ fn: call.fn, status: res.status, data: res.data, requestId: res.headers['x-amz-pay-request-id'] || '' });
      }
    } catch (err) {
      const r = err && err.response ? err.response : err;
      out.push({ fn: call.fn, status: (r && r.status) || 0, data: (r && r.data) || null, error: String((err && err.message) || err) });
    }
  }
  process.stdout.write(JSON.stringify(out));
}

main().catch((err) => {
  process.stderr.write(String((err && err.stack) || err) + '\n');
  process.exit(1);
});
