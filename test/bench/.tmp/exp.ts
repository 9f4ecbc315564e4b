import { InProcessTransport } from '../../../sim/router/in-process-transport.js';
import { SimRouter } from '../../../sim/router/router.js';
import rhea from 'rhea';
const n = 1000; const mode = process.argv[2];
const gc = () => (globalThis as any).gc();
const transport = new InProcessTransport();
gc(); const h0 = process.memoryUsage().heapUsed;
const keep: unknown[] = [];
for (let i = 0; i < n; i++) {
  if (mode === 'container') { keep.push(rhea.create_container({ id: 'E' + i })); continue; }
  const config = mode === 'listener' ? [{ type: 'listener', attributes: { name: 'amqp', host: '127.0.0.1', port: '0', role: 'normal' } }] : [];
  const r = new SimRouter({ id: 'E' + i, mode: 'edge', transport, config });
  if (mode !== 'construct') await r.start();
  keep.push(r);
}
gc(); console.log(mode, ((process.memoryUsage().heapUsed - h0) / n / 1024).toFixed(1), 'KB/router');
