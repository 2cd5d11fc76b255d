/**
 * The AWS CloudFormation template of schedmon's storage and queues, generated from the same
 * definitions the local engines are provisioned from (`@schedmon/resources`).
 */
import type { ResourceNames, TableDefinition } from '@schedmon/resources';
import { createTableInput, queueDefinitions, tableDefinitions } from '@schedmon/resources';

type Resource = { Type: string; Properties: Record<string, unknown> };

export type Template = {
  AWSTemplateFormatVersion: '2010-09-09';
  Description: string;
  Resources: Record<string, Resource>;
  Outputs: Record<string, { Value: unknown }>;
};

/** Seconds the oldest message may wait before the age alarm fires. */
export const OLDEST_MESSAGE_ALARM_SECONDS = 300;

const logicalIds: Record<TableDefinition['role'], string> = {
  schedulers: 'SchedulersTable',
  history: 'StatusHistoryTable',
  state: 'StateTable',
};

function tableResource(table: TableDefinition): Resource {
  const input = createTableInput(table);
  return {
    Type: 'AWS::DynamoDB::Table',
    Properties: {
      ...input,
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      ...(table.ttlAttribute
        ? { TimeToLiveSpecification: { AttributeName: table.ttlAttribute, Enabled: true } }
        : {}),
    },
  };
}

function queueProperties(name: string, attributes: Record<string, string>) {
  // CloudFormation takes SQS attributes as typed properties, not strings.
  const properties: Record<string, unknown> = { QueueName: name };
  for (const [key, value] of Object.entries(attributes)) {
    properties[key] = key === 'FifoQueue' ? value === 'true' : Number(value);
  }
  return properties;
}

function alarm(description: string, metric: string, threshold: number, queue: string): Resource {
  return {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmDescription: description,
      Namespace: 'AWS/SQS',
      MetricName: metric,
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queue, 'QueueName'] } }],
      Statistic: 'Maximum',
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: threshold,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    },
  };
}

type Statement = { Effect: 'Allow'; Action: string[]; Resource: unknown[] };

const arn = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });
const allow = (actions: string[], ...logicalIds: string[]): Statement => ({
  Effect: 'Allow',
  Action: actions,
  Resource: logicalIds.map(arn),
});

/**
 * What each app may do, and nothing more (every action named, no wildcard). The batch
 * calls are authorised by their single-item actions (SendMessageBatch by sqs:SendMessage,
 * DeleteMessageBatch by sqs:DeleteMessage).
 */
export function appPermissions(): Record<'Api' | 'Worker' | 'Cron', Statement[]> {
  return {
    Api: [
      allow(
        ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:Scan', 'dynamodb:DescribeTable'],
        'SchedulersTable',
      ),
      allow(['dynamodb:Query'], 'StatusHistoryTable'),
      // Query: the incidents list (docs/api.md → Incidents).
      allow(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'], 'StateTable'),
      allow(['sqs:SendMessage', 'sqs:GetQueueAttributes'], 'EventQueue'),
    ],
    Worker: [
      allow(
        ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:DescribeTable'],
        'SchedulersTable',
      ),
      allow(['dynamodb:BatchWriteItem'], 'StatusHistoryTable'),
      allow(
        ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:Query'],
        'StateTable',
      ),
      allow(
        [
          'sqs:ReceiveMessage',
          'sqs:DeleteMessage',
          'sqs:ChangeMessageVisibility',
          'sqs:GetQueueAttributes',
        ],
        'EventQueue',
      ),
      allow(['sqs:SendMessage', 'sqs:GetQueueAttributes'], 'EventDeadLetterQueue'),
    ],
    Cron: [
      allow(['dynamodb:Scan', 'dynamodb:GetItem'], 'SchedulersTable'),
      // The watchdog: due deadlines from the sparse index, sent to the event queue.
      {
        Effect: 'Allow',
        Action: ['dynamodb:Query'],
        // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's Fn::Sub syntax
        Resource: [{ 'Fn::Sub': '${SchedulersTable.Arn}/index/*' }],
      },
      allow(['sqs:SendMessage', 'sqs:GetQueueAttributes'], 'EventQueue'),
      allow(['dynamodb:Scan', 'dynamodb:BatchWriteItem'], 'StatusHistoryTable'),
      allow(
        [
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:DeleteItem',
          'dynamodb:Query',
          'dynamodb:DescribeTable',
        ],
        'StateTable',
      ),
    ],
  };
}

/** Builds the template for the given resource names. */
export function buildTemplate(names: ResourceNames): Template {
  const resources: Record<string, Resource> = {};
  for (const table of tableDefinitions(names)) {
    resources[logicalIds[table.role]] = tableResource(table);
  }
  const queues = queueDefinitions(names.queueName);
  resources.EventDeadLetterQueue = {
    Type: 'AWS::SQS::Queue',
    Properties: queueProperties(queues.deadLetter.name, queues.deadLetter.attributes),
  };
  resources.EventQueue = {
    Type: 'AWS::SQS::Queue',
    Properties: {
      ...queueProperties(queues.main.name, queues.main.attributes),
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': ['EventDeadLetterQueue', 'Arn'] },
        maxReceiveCount: queues.maxReceiveCount,
      },
    },
  };
  resources.DeadLetterQueueDepthAlarm = alarm(
    'schedmon: events were parked in the dead-letter queue (see docs/runbook.md)',
    'ApproximateNumberOfMessagesVisible',
    0,
    'EventDeadLetterQueue',
  );
  resources.OldestEventAgeAlarm = alarm(
    `schedmon: the oldest queued event is older than ${OLDEST_MESSAGE_ALARM_SECONDS} s (worker behind or down)`,
    'ApproximateAgeOfOldestMessage',
    OLDEST_MESSAGE_ALARM_SECONDS,
    'EventQueue',
  );
  resources.WorkerParkedMessagesAlarm = {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmDescription:
        'schedmon: the worker parked messages it could not process (poison or repeated failures)',
      Namespace: 'AWS/SQS',
      MetricName: 'NumberOfMessagesSent',
      Dimensions: [
        { Name: 'QueueName', Value: { 'Fn::GetAtt': ['EventDeadLetterQueue', 'QueueName'] } },
      ],
      Statistic: 'Sum',
      Period: 300,
      EvaluationPeriods: 1,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    },
  };
  for (const [app, statements] of Object.entries(appPermissions())) {
    resources[`${app}Policy`] = {
      Type: 'AWS::IAM::ManagedPolicy',
      Properties: {
        Description: `schedmon ${app.toLowerCase()}: least privilege`,
        PolicyDocument: { Version: '2012-10-17', Statement: statements },
      },
    };
  }
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: 'schedmon: scheduler tables, status history, state, event queue and DLQ',
    Resources: resources,
    Outputs: {
      EventQueueUrl: { Value: { Ref: 'EventQueue' } },
      EventDeadLetterQueueUrl: { Value: { Ref: 'EventDeadLetterQueue' } },
      ApiPolicyArn: { Value: { Ref: 'ApiPolicy' } },
      WorkerPolicyArn: { Value: { Ref: 'WorkerPolicy' } },
      CronPolicyArn: { Value: { Ref: 'CronPolicy' } },
    },
  };
}
