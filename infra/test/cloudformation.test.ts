import { DEFAULT_RESOURCE_NAMES, MAX_RECEIVE_COUNT } from '@schedmon/resources';
import { describe, expect, it } from 'vitest';
import { buildTemplate } from '../src/index.ts';

describe('CloudFormation template', () => {
  const template = buildTemplate(DEFAULT_RESOURCE_NAMES);
  const properties = (id: string) => template.Resources[id]?.Properties ?? {};

  it('declares the three on-demand tables with point-in-time recovery', () => {
    const tables = Object.values(template.Resources).filter(
      (resource) => resource.Type === 'AWS::DynamoDB::Table',
    );
    expect(tables.map((table) => table.Properties.TableName).sort()).toEqual(
      ['scheduler_monitor_state', 'scheduler_status_history', 'schedulers'].sort(),
    );
    for (const table of tables) {
      expect(table.Properties.BillingMode).toBe('PAY_PER_REQUEST');
      expect(table.Properties.PointInTimeRecoverySpecification).toEqual({
        PointInTimeRecoveryEnabled: true,
      });
    }
  });

  it('keys history by scheduler and <timestamp>#<event_id>, with TTL on expires_at', () => {
    expect(properties('StatusHistoryTable').KeySchema).toEqual([
      { AttributeName: 'scheduler_id', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(properties('StatusHistoryTable').TimeToLiveSpecification).toEqual({
      AttributeName: 'expires_at',
      Enabled: true,
    });
    expect(properties('SchedulersTable').KeySchema).toEqual([
      { AttributeName: 'scheduler_id', KeyType: 'HASH' },
    ]);
    expect(properties('SchedulersTable').TimeToLiveSpecification).toBeUndefined();
  });

  it('parks events in the DLQ after 5 receives', () => {
    expect(MAX_RECEIVE_COUNT).toBe(5);
    expect(properties('EventQueue').RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': ['EventDeadLetterQueue', 'Arn'] },
      maxReceiveCount: 5,
    });
    expect(properties('EventQueue').QueueName).toBe('schedmon-events');
    expect(properties('EventDeadLetterQueue').QueueName).toBe('schedmon-events-dlq');
    expect(properties('EventQueue').VisibilityTimeout).toBe(30);
  });

  it('alarms on DLQ depth and on the age of the oldest event', () => {
    expect(properties('DeadLetterQueueDepthAlarm')).toMatchObject({
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    expect(properties('OldestEventAgeAlarm')).toMatchObject({
      MetricName: 'ApproximateAgeOfOldestMessage',
      Threshold: 300,
    });
  });

  it('makes both queues FIFO for a .fifo queue name', () => {
    const fifo = buildTemplate({ ...DEFAULT_RESOURCE_NAMES, queueName: 'events.fifo' });
    expect(fifo.Resources.EventQueue?.Properties).toMatchObject({
      QueueName: 'events.fifo',
      FifoQueue: true,
    });
    expect(fifo.Resources.EventDeadLetterQueue?.Properties).toMatchObject({
      QueueName: 'events-dlq.fifo',
      FifoQueue: true,
    });
  });
});

describe('IAM policies and the worker alarm', () => {
  const template = buildTemplate(DEFAULT_RESOURCE_NAMES);
  const statements = (id: string) =>
    (
      (template.Resources[id]?.Properties ?? {}).PolicyDocument as {
        Statement: { Action: string[]; Resource: unknown[] }[];
      }
    ).Statement;

  it('gives each app named actions only, never a wildcard', () => {
    for (const id of ['ApiPolicy', 'WorkerPolicy', 'CronPolicy']) {
      const actions = statements(id).flatMap((statement) => statement.Action);
      expect(actions.length, id).toBeGreaterThan(0);
      expect(
        actions.filter((action) => action.includes('*')),
        id,
      ).toEqual([]);
      for (const statement of statements(id)) {
        expect(JSON.stringify(statement.Resource)).not.toContain('"*"');
      }
    }
  });

  it('lets the api send but not receive, the worker receive but not scan, the cron send deadlines only', () => {
    const actions = (id: string) => statements(id).flatMap((statement) => statement.Action);
    expect(actions('ApiPolicy')).toContain('sqs:SendMessage');
    expect(actions('ApiPolicy')).not.toContain('sqs:ReceiveMessage');
    expect(actions('WorkerPolicy')).toEqual(
      expect.arrayContaining([
        'sqs:ReceiveMessage',
        'sqs:DeleteMessage',
        'dynamodb:BatchWriteItem',
      ]),
    );
    expect(actions('WorkerPolicy')).not.toContain('dynamodb:Scan');
    // The watchdog sends deadlines; it never receives or deletes events.
    expect(
      actions('CronPolicy')
        .filter((action) => action.startsWith('sqs:'))
        .sort(),
    ).toEqual(['sqs:GetQueueAttributes', 'sqs:SendMessage']);
    const indexQuery = statements('CronPolicy').find((statement) =>
      JSON.stringify(statement.Resource).includes('/index/'),
    );
    expect(indexQuery?.Action).toEqual(['dynamodb:Query']);
  });

  it('alarms when the worker parks messages', () => {
    expect(template.Resources.WorkerParkedMessagesAlarm?.Properties).toMatchObject({
      MetricName: 'NumberOfMessagesSent',
      Threshold: 0,
    });
  });
});
