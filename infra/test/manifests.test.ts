// The deployment files parse and say what the runbook promises: probes on the health
// routes, resources, autoscaling for api and worker, two cron replicas under one lease,
// and a compose file that provisions with the project's own code before the apps start.
import { readFile } from 'node:fs/promises';
import { PRODUCTION_RUNTIME_ENV, productionRuntimeEnv } from '@schedmon/resources';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';

type Doc = { kind: string; metadata: { name: string }; spec?: Record<string, unknown> };
type Container = {
  name: string;
  ports: { containerPort: number }[];
  readinessProbe: { httpGet: { path: string } };
  livenessProbe: { httpGet: { path: string } };
  resources: { requests: { cpu: string; memory: string } };
  envFrom: unknown[];
  env?: { name: string; value: string }[];
};

async function manifests(): Promise<Doc[]> {
  const docs: Doc[] = [];
  for (const file of [
    'config.yaml',
    'secret.example.yaml',
    'api.yaml',
    'worker.yaml',
    'cron.yaml',
  ]) {
    const text = await readFile(new URL(`../k8s/${file}`, import.meta.url), 'utf8');
    for (const doc of parseAllDocuments(text)) docs.push(doc.toJSON() as Doc);
  }
  return docs;
}

const containerOf = (deployment: Doc) =>
  ((deployment.spec ?? {}).template as { spec: { containers: Container[] } }).spec
    .containers[0] as Container;

describe('k8s manifests', () => {
  it('run each app with probes on its health routes, resources and config wiring', async () => {
    const docs = await manifests();
    const ports = { 'schedmon-api': 3000, 'schedmon-worker': 3001, 'schedmon-cron': 3002 };
    for (const [name, port] of Object.entries(ports)) {
      const deployment = docs.find(
        (doc) => doc.kind === 'Deployment' && doc.metadata.name === name,
      );
      expect(deployment, name).toBeDefined();
      const container = containerOf(deployment as Doc);
      expect(container.ports[0]?.containerPort).toBe(port);
      // The image carries the api's and cron's settings; the worker sets its own.
      const nodeOptions = container.env?.find((variable) => variable.name === 'NODE_OPTIONS');
      expect(nodeOptions?.value, name).toBe(
        name === 'schedmon-worker' ? productionRuntimeEnv('worker').NODE_OPTIONS : undefined,
      );
      expect(container.readinessProbe.httpGet.path).toBe('/health/ready');
      expect(container.livenessProbe.httpGet.path).toBe('/health');
      expect(container.resources.requests.cpu).toBeTruthy();
      expect(container.envFrom).toHaveLength(2);
      expect(
        (
          ((deployment as Doc).spec ?? {}).template as {
            spec: { securityContext: { runAsNonRoot: boolean } };
          }
        ).spec.securityContext.runAsNonRoot,
      ).toBe(true);
    }
  });

  it('autoscale the api and the worker, and run the cron app as two replicas under one lease', async () => {
    const docs = await manifests();
    const hpas = docs.filter((doc) => doc.kind === 'HorizontalPodAutoscaler');
    expect(
      hpas.map((hpa) => ((hpa.spec ?? {}).scaleTargetRef as { name: string }).name).sort(),
    ).toEqual(['schedmon-api', 'schedmon-worker']);
    const cron = docs.find(
      (doc) => doc.metadata.name === 'schedmon-cron' && doc.kind === 'Deployment',
    ) as Doc;
    expect(cron.spec?.replicas).toBe(2);
    expect(JSON.stringify(containerOf(cron))).toContain('LEASE_TTL_SECONDS');
    expect(docs.some((doc) => doc.kind === 'Service' && doc.metadata.name === 'schedmon-api')).toBe(
      true,
    );
  });

  it('listen on every interface of the pod: the apps default to loopback', async () => {
    const config = (await manifests()).find((doc) => doc.kind === 'ConfigMap') as Doc & {
      data: Record<string, string>;
    };
    expect(config.data.HOST).toBe('0.0.0.0');
  });
});

describe('docker-compose.yml', () => {
  it('provisions with the project’s own code, then starts the apps with health checks', async () => {
    const compose = parse(
      await readFile(new URL('../../docker-compose.yml', import.meta.url), 'utf8'),
      { merge: true }, // the apps' environment comes through `<<: *app-environment`
    ) as {
      services: Record<
        string,
        {
          depends_on?: Record<string, { condition: string }>;
          healthcheck?: unknown;
          command?: string[];
          image?: string;
          environment?: Record<string, string>;
          ports?: string[];
        }
      >;
    };
    expect(Object.keys(compose.services).sort()).toEqual([
      'api',
      'cron',
      'dynamodb',
      'elasticmq',
      'provision',
      'worker',
    ]);
    expect(compose.services.provision?.command).toEqual([
      'node',
      'packages/local/src/provision.ts',
    ]);
    expect(compose.services.provision?.depends_on).toEqual({
      dynamodb: { condition: 'service_healthy' },
      elasticmq: { condition: 'service_healthy' },
    });
    for (const app of ['api', 'worker', 'cron']) {
      expect(compose.services[app]?.depends_on).toEqual({
        provision: { condition: 'service_completed_successfully' },
      });
    }
    expect(compose.services.dynamodb?.healthcheck).toBeDefined();
    expect(compose.services.elasticmq?.healthcheck).toBeDefined();
    // Published ports stay on the host's loopback: the engines have no authentication.
    const published = Object.values(compose.services).flatMap((service) => service.ports ?? []);
    expect(published.length).toBeGreaterThan(0);
    for (const port of published) expect(port).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
    // The development key works from loopback only; compose needs real keys.
    expect(compose.services.api?.environment?.API_KEYS).not.toContain('local-dev-key');
    // The apps default to loopback; published ports need every interface.
    for (const app of ['api', 'worker', 'cron'] as const) {
      expect(compose.services[app]?.environment?.HOST, app).toBe('0.0.0.0');
      // The image carries the api's and cron's settings; the worker sets its own.
      expect(compose.services[app]?.environment?.NODE_OPTIONS, app).toBe(
        app === 'worker' ? productionRuntimeEnv('worker').NODE_OPTIONS : undefined,
      );
    }
  });
});

describe('Dockerfile', () => {
  it('runs the bundled app with the production runtime settings', async () => {
    const text = await readFile(new URL('../../Dockerfile', import.meta.url), 'utf8');
    const finalStage = text.slice(text.lastIndexOf('\nFROM '));
    const envInstruction = /^ENV ((?:.*\\\n)*.*)$/m.exec(finalStage)?.[1] ?? '';
    const env = Object.fromEntries(
      [...envInstruction.replace(/\\\n/g, ' ').matchAll(/(\w+)=("[^"]*"|\S+)/g)].map(
        ([, key, value]) => [key, (value ?? '').replace(/^"|"$/g, '')],
      ),
    );
    expect(env).toMatchObject(PRODUCTION_RUNTIME_ENV);
    // The apps default to loopback; a container is reached on its own interface.
    expect(finalStage).toMatch(/^ENV HOST=0\.0\.0\.0$/m);
    const app = '$' + '{APP}'; // the Dockerfile's build argument, literally
    expect(finalStage).toContain(`CMD ["sh", "-c", "exec node apps/${app}/dist/main.mjs"]`);
    expect(text).toContain(`node packages/local/src/bundle.ts "${app}"`);
    // The lockfile records the dependency patches: a frozen install needs their files.
    expect(text).toMatch(/^COPY patches \.\/patches$/m);
  });
});
