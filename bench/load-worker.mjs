// Runs autocannon in its own process, so that the load generator does not share the server's event loop.
import autocannon from 'autocannon';

process.once('message', async ({ url, connections, duration, requests }) => {
  let next = 0;
  const result = await autocannon({
    url,
    connections,
    duration,
    requests: [{ setupRequest: (request) => ({ ...request, ...requests[next++ % requests.length] }) }],
  });
  process.send({ rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, non2xx: result.non2xx, sent: next }, () => process.exit(0));
});
