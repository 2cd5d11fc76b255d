/**
 * Readiness of a process, from the state of the components it depends on (docs/api.md →
 * Operations routes). Shared by the api's Fastify routes and the worker's and cron's ops
 * servers so the three answer `/health/ready` alike.
 */
export type ComponentStatus = 'up' | 'degraded' | 'down';

export type ComponentCheck = { status: ComponentStatus; message: string; lastChecked: string };

export type ReadinessStatus = 'healthy' | 'degraded' | 'unhealthy';

export type ReadinessReport = {
  status: ReadinessStatus;
  components: Record<string, ComponentCheck>;
};

/**
 * Components the process can do its work without: their loss makes it `degraded`
 * (Slack down still lets every event be stored), never `unhealthy`.
 */
export const OPTIONAL_COMPONENTS: ReadonlySet<string> = new Set(['slack']);

/** Overall status: unhealthy if a required component is down, degraded if anything is not up. */
export function summarizeReadiness(components: Record<string, ComponentCheck>): ReadinessReport {
  const entries = Object.entries(components);
  const requiredDown = entries.some(
    ([name, check]) => check.status === 'down' && !OPTIONAL_COMPONENTS.has(name),
  );
  const anyNotUp = entries.some(([, check]) => check.status !== 'up');
  const status: ReadinessStatus = requiredDown ? 'unhealthy' : anyNotUp ? 'degraded' : 'healthy';
  return { status, components };
}
