import type { UpdateItemCommandOutput } from '@aws-sdk/client-dynamodb';
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient, UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';

/** An `UpdateItem` in the DocumentClient's form: plain values in, plain attributes out. */
export type DocumentUpdate = Omit<
  UpdateCommandInput,
  'AttributeUpdates' | 'Expected' | 'ReturnConsumedCapacity' | 'ReturnItemCollectionMetrics'
>;

type Handler = (command: UpdateItemCommand) => Promise<{ output: UpdateItemCommandOutput }>;

/**
 * `UpdateItem` through `documents`' own client, config and conversions, with the SDK's
 * middleware chain built once instead of on every call: that build (cloning and sorting
 * some 40 middleware) is about 40 KB of garbage and a sixth of a call's client CPU, and
 * the record's update is the worker's one call per event (docs/performance.md → The
 * middleware chain built once). It is what the SDK's own `cacheMiddleware` does, which
 * the DocumentClient refuses: its commands' cached chain would send the first command's
 * input every time. Here the chain belongs to the low-level command, which reads each
 * call's input, and the values are converted as the DocumentClient converts them
 * (`marshall`/`unmarshall` with its options, which must drop `undefined` values, as the
 * store's do). Calls with options (an abort signal) are not made through this: none of the
 * store's updates passes any.
 *
 * What differs from `documents.send`: the chain is the one the first call built, so
 * middleware added to the client afterwards (or a patched `send`) does not reach these
 * calls; the user agent lacks the DocumentClient's `d` feature mark; and only `Attributes`
 * is returned. Calls share one context object, as under `cacheMiddleware`: what the SDK
 * writes there per call (the endpoint, the chosen auth scheme) is the same for every call
 * of a client.
 */
export function documentUpdates(documents: DynamoDBDocumentClient) {
  const translate = documents.config.translateConfig ?? {};
  // Without it `marshall` refuses an `undefined` member where the DocumentClient drops it.
  if (translate.marshallOptions?.removeUndefinedValues !== true) {
    throw new Error('documentUpdates needs a DocumentClient that removes undefined values');
  }
  // The DocumentClient converts each member of `Key`, `ExpressionAttributeValues` and
  // `Attributes` alone (and sets the container options on these objects to say so); this
  // converts each map whole, so its top level is the map itself.
  const marshallOptions = {
    ...translate.marshallOptions,
    convertTopLevelContainer: false as const,
  };
  const unmarshallOptions = { ...translate.unmarshallOptions, convertWithoutMapWrapper: false };
  let handler: Handler | undefined;
  return async (input: DocumentUpdate): Promise<{ Attributes?: Record<string, unknown> }> => {
    const { Key, ExpressionAttributeValues, ...rest } = input;
    const command = new UpdateItemCommand({
      ...rest,
      Key: marshall(Key, marshallOptions),
      ...(ExpressionAttributeValues
        ? { ExpressionAttributeValues: marshall(ExpressionAttributeValues, marshallOptions) }
        : {}),
    });
    handler ??= command.resolveMiddleware(
      documents.middlewareStack as unknown as Parameters<UpdateItemCommand['resolveMiddleware']>[0],
      documents.config,
      undefined,
    ) as unknown as Handler;
    const { output } = await handler(command);
    return output.Attributes
      ? { Attributes: unmarshall(output.Attributes, unmarshallOptions) }
      : {};
  };
}
