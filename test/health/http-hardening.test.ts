import { AddressInfo, createConnection } from 'node:net';
import { FastifyInstance } from 'fastify';
import { scriptedCheck, testServer } from '../support/health';
import { LOOPBACK } from '../support/services';

/** Raw bytes on a real socket: what inject cannot send. */
let app: FastifyInstance;
let port: number;

beforeAll(async () => {
  app = await testServer([scriptedCheck('mongodb', true)]);
  await app.listen({ host: LOOPBACK, port: 0 });
  port = (app.server.address() as AddressInfo).port;
});
afterAll(async () => app.close());

function raw(bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: LOOPBACK, port });
    let answer = '';
    socket.on('data', (chunk) => { answer += chunk; });
    socket.on('end', () => resolve(answer));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
    socket.setTimeout(3000, () => socket.destroy());
    socket.write(bytes);
  });
}

const statusOf = (answer: string) => Number(answer.split(' ')[1]);

describe('malformed and hostile requests never get a 5xx', () => {
  test.each<[string, string, number]>([
    ['huge headers', `GET /readyz HTTP/1.1\r\nHost: h\r\nX-Big: ${'a'.repeat(20_000)}\r\nConnection: close\r\n\r\n`, 431],
    ['a garbage request line', 'HELLO\r\n\r\n', 400],
    ['an unknown path', 'GET /../../etc/passwd HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n', 404],
    ['a wrong method on a probe', 'PUT /livez HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}', 405],
    ['an unknown method', 'BREW /livez HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n', 400],
    ['a probe', 'GET /livez HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n', 200],
  ])('%s', async (_case, bytes, expected) => {
    expect(statusOf(await raw(bytes))).toBe(expected);
  });

  test('the server still answers after all of them', async () => {
    expect(statusOf(await raw('GET /livez HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n'))).toBe(200);
  });
});
