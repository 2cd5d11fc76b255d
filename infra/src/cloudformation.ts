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
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: 'schedmon: scheduler tables, status history, state, event queue and DLQ',
    Resources: resources,
    Outputs: {
      EventQueueUrl: { Value: { Ref: 'EventQueue' } },
      EventDeadLetterQueueUrl: { Value: { Ref: 'EventDeadLetterQueue' } },
    },
  };
}
