// The ceiling for P1: a bare Fastify route answering 202, started the same way as the api
// (its own process, same Node, same port handling), with no work behind it.
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.put('/bare/:id', async (_request, reply) => reply.code(202).send({ accepted: true }));
const port = Number(process.env.PORT ?? 0);
await app.listen({ port, host: '127.0.0.1' });
process.on('SIGTERM', () => {
  void app.close().then(() => process.exit(0));
});
