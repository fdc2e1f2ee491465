// The reconciler's view of secrets and configs: names in a namespace → decrypted values and
// file contents, read fresh from the store at each container creation.
import type { SecretBox } from '../domain/secret-box.js';
import { parseConfigData } from '../domain/validate-stored-objects.js';
import type { ConfigResolver, SecretResolver } from '../reconciler/instance-spec.js';
import type { Store } from '../store/index.js';

export function storeResolvers(store: Store, box: SecretBox): { resolveSecret: SecretResolver; resolveConfig: ConfigResolver } {
  return {
    resolveSecret(namespace, name) {
      const sealed = store.secrets.valueOf(namespace, name);
      // open() throws a message naming the secret (never its content) when the key does not fit.
      return sealed === undefined ? undefined : box.open(sealed, namespace, name);
    },
    resolveConfig(namespace, name) {
      const row = store.configs.byName(namespace, name);
      if (!row) return undefined;
      const files = parseConfigData(row.data);
      if (!files) throw new Error(`Config '${name}' has data that is not a JSON object`);
      return files;
    },
  };
}
