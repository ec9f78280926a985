// A real OpenID provider for the browser tests: the npm package
// `oidc-provider` (the certified Node.js implementation), on loopback, with
// one confidential client (PKCE required) and two people:
// - erika, in the group `civicmeet-staff` (becomes staff in civicmeet);
// - mallory, only in `kantine` (maps to no role: refused).
// Its development login page takes any password; it is a test peer.

import net from 'node:net';
import Provider from 'oidc-provider';

export const CLIENT_ID = 'civicmeet';
export const CLIENT_SECRET = 'e2e-client-secret-not-for-production';

const PEOPLE = {
  erika: { name: 'Erika Mustermann', groups: ['civicmeet-staff'] },
  mallory: { name: 'Mallory Kantine', groups: ['kantine'] },
};

/** A TCP port that was free a moment ago. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts the provider on `port` for a client that returns to `redirectUri`.
 * @returns {Promise<{issuer: string, stop: () => Promise<void>}>}
 */
export async function startProvider({ port, redirectUri }) {
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      redirect_uris: [redirectUri],
      response_types: ['code'],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'client_secret_basic',
    }],
    pkce: { required: () => true },
    scopes: ['openid', 'profile', 'groups'],
    claims: { openid: ['sub'], profile: ['name', 'preferred_username'], groups: ['groups'] },
    // Put the claims into the ID token itself (civicmeet reads no userinfo).
    conformIdTokenClaims: false,
    cookies: { keys: ['e2e-cookie-key'] },
    features: { devInteractions: { enabled: true } },
    async findAccount(ctx, id) {
      const person = PEOPLE[id];
      if (!person) return undefined;
      return {
        accountId: id,
        async claims() {
          return { sub: id, name: person.name, preferred_username: id, groups: person.groups };
        },
      };
    },
  });
  const server = provider.listen(port, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    issuer,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
