/**
 * The gateway's Authorizer, rebuilt whenever the registry publishes: API keys (GatewayConfig
 * spec.auth.apiKeys, from env vars or Secrets) are resolved again, so a rotated Secret or an added
 * key takes effect without a restart. The first resolution throws (the gateway does not start with
 * a key it cannot read); a later failure keeps the keys in force and logs which grant failed,
 * never a value.
 */
import { createAuthorizer, type ApiKeyGrantInput, type Authorizer } from '../gateway/auth.ts';
import type { RegistryHolder } from '../registry/holder.ts';
import type { RegistrySnapshot } from '../registry/types.ts';
import type { Logger } from '../telemetry/logger.ts';

export function createLiveAuthorizer(
  holder: RegistryHolder,
  resolve: (snapshot: RegistrySnapshot) => ApiKeyGrantInput[],
  logger: Logger,
): Authorizer {
  let current = createAuthorizer(resolve(holder.current()));
  holder.subscribe((next) => {
    try {
      const replaced = createAuthorizer(resolve(next));
      if (replaced.enabled !== current.enabled) {
        logger.warn(
          { enabled: replaced.enabled },
          replaced.enabled ? 'API keys now required' : 'API keys no longer configured: the gateway is open',
        );
      }
      current = replaced;
    } catch (err) {
      logger.error(
        { error: (err as Error).message },
        'API keys could not be resolved; the previous keys stay in force',
      );
    }
  });
  return {
    get enabled() {
      return current.enabled;
    },
    authenticate: (apiKey) => current.authenticate(apiKey),
    allows: (principal, labels) => current.allows(principal, labels),
    authorize: (principal, name, labels) => current.authorize(principal, name, labels),
  };
}
