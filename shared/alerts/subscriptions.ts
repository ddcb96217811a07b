/**
 * E-mail subscriptions to the alert topic from the sites' configs (api.md "Alerts": AWS → SNS topic,
 * e-mail subscriptions from config). SNS keeps one subscription per topic and address, so an address
 * listed by several sites gets one subscription whose filter policy names all of them; alerts carry
 * the `site` message attribute the policy matches. Subscriptions without a filter policy (the stack's
 * own `alertEmails`) receive every alert and are never changed.
 */

/** A subscription of the alert topic, as SNS lists it. */
export interface TopicEmailSubscription {
  endpoint: string;
  /** Undefined while the address has not confirmed: SNS shows and lets nothing change it until then. */
  subscriptionArn: string | undefined;
  /**
   * The sites its filter policy names; `all` without a filter policy; `other` for any other policy;
   * `unknown` while pending.
   */
  sites: readonly string[] | 'all' | 'other' | 'unknown';
  /** Its redrive policy (where SNS puts what it could not deliver); undefined when it has none. */
  redrivePolicy?: string;
}

export interface SubscriptionPlan {
  /** New subscriptions (SNS sends each address a confirmation mail first). */
  subscribe: { email: string; sites: string[] }[];
  /** Confirmed subscriptions whose sites changed. */
  setSites: { subscriptionArn: string; email: string; sites: string[] }[];
  /** Confirmed site subscriptions no site lists any more. */
  unsubscribe: { subscriptionArn: string; email: string }[];
  /** Kept site subscriptions without the stack's dead-letter queue (made before it was set). */
  setRedrive: { subscriptionArn: string; email: string }[];
  /** Addresses some site lists whose subscription awaits confirmation: left as they are until then. */
  pending: string[];
}

/** The redrive policy that sends what SNS cannot deliver to the queue `deadLetterQueueArn`. */
export function redrivePolicyFor(deadLetterQueueArn: string): string {
  return JSON.stringify({ deadLetterTargetArn: deadLetterQueueArn });
}

/** The filter policy of a subscription for `sites`. */
export function siteFilterPolicy(sites: readonly string[]): string {
  return JSON.stringify({ site: [...sites].sort() });
}

/** The sites a filter policy names: `all` for none, `other` for a policy this module did not write. */
export function sitesOfFilterPolicy(policy: string | undefined): readonly string[] | 'all' | 'other' {
  if (policy === undefined || policy.trim() === '') return 'all';
  try {
    const parsed: unknown = JSON.parse(policy);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return 'other';
    const entries = Object.entries(parsed);
    const [key, value] = entries[0] ?? [];
    if (entries.length !== 1 || key !== 'site' || !Array.isArray(value)) return 'other';
    return value.every((site) => typeof site === 'string') ? [...value].sort() : 'other';
  } catch {
    return 'other';
  }
}

const addressKey = (email: string) => email.trim().toLowerCase();

/**
 * What to change so that each address listed in `emailsBySite` (site → its `alerts.emails`) receives
 * the alerts of exactly those sites. Addresses are compared without case.
 */
export function planEmailSubscriptions(
  emailsBySite: ReadonlyMap<string, readonly string[]>,
  existing: readonly TopicEmailSubscription[],
  /** The stack's queue for undelivered alerts: every site subscription should redrive to it. */
  deadLetterQueueArn?: string,
): SubscriptionPlan {
  const wanted = new Map<string, { email: string; sites: Set<string> }>();
  for (const [site, emails] of emailsBySite) {
    for (const email of emails) {
      const key = addressKey(email);
      const entry = wanted.get(key) ?? { email: email.trim(), sites: new Set<string>() };
      entry.sites.add(site);
      wanted.set(key, entry);
    }
  }
  const plan: SubscriptionPlan = {
    subscribe: [],
    setSites: [],
    unsubscribe: [],
    setRedrive: [],
    pending: [],
  };
  const seen = new Set<string>();
  for (const subscription of existing) {
    const key = addressKey(subscription.endpoint);
    seen.add(key);
    if (subscription.subscriptionArn === undefined || subscription.sites === 'unknown') {
      if (wanted.has(key)) plan.pending.push(subscription.endpoint);
      continue;
    }
    // The stack's own subscriptions, and policies someone else wrote, are not ours to change.
    if (subscription.sites === 'all' || subscription.sites === 'other') continue;
    const sites = [...(wanted.get(key)?.sites ?? [])].sort();
    if (sites.length === 0) {
      plan.unsubscribe.push({ subscriptionArn: subscription.subscriptionArn, email: subscription.endpoint });
      continue;
    }
    if (sites.join() !== subscription.sites.join()) {
      plan.setSites.push({
        subscriptionArn: subscription.subscriptionArn,
        email: subscription.endpoint,
        sites,
      });
    }
    if (deadLetterQueueArn && subscription.redrivePolicy !== redrivePolicyFor(deadLetterQueueArn)) {
      plan.setRedrive.push({ subscriptionArn: subscription.subscriptionArn, email: subscription.endpoint });
    }
  }
  // In address order, whatever order the sites were read in.
  for (const key of [...wanted.keys()].sort()) {
    const entry = wanted.get(key);
    if (entry && !seen.has(key)) plan.subscribe.push({ email: entry.email, sites: [...entry.sites].sort() });
  }
  return plan;
}
