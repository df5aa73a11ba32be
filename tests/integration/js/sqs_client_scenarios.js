'use strict'
// @aws-sdk/client-sqs v3 (JSON 1.0 protocol) against a running sluice broker, driven by
// tests/integration/test_sqs_js_sdk.py.
//
//   node sqs_client_scenarios.js ENDPOINT_URL QUEUE_NAME
//
// Runs one round trip (create, send with attributes, receive, delete, batch send, get
// attributes, an error, delete queue) and prints what it saw as one JSON object. The SDK's
// MD5 checks stay on (its default): a wrong MD5OfMessageBody on SendMessage,
// SendMessageBatch or ReceiveMessage makes the SDK throw, and the process exits non-zero.
// The client is resolved through NODE_PATH (the test installs it outside the source tree).

const {
  SQSClient,
  CreateQueueCommand,
  SendMessageCommand,
  SendMessageBatchCommand,
  ReceiveMessageCommand,
  DeleteMessageCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  DeleteQueueCommand,
  QueueDoesNotExist,
} = require('@aws-sdk/client-sqs')

const [endpoint, queueName] = process.argv.slice(2)
const BATCH = 10

const client = new SQSClient({
  endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
  maxAttempts: 1,
})

// The Content-Type of every request sent, to show which protocol the SDK spoke.
const contentTypes = new Set()
client.middlewareStack.add(next => async args => {
  contentTypes.add(args.request.headers['content-type'])
  return next(args)
}, { step: 'finalizeRequest', name: 'recordContentType' })

// Receives until `count` messages arrived (long polls of 1 s), at most 20 tries.
async function receiveAll (queueUrl, count, extra = {}) {
  const messages = []
  for (let attempt = 0; attempt < 20 && messages.length < count; attempt++) {
    const got = await client.send(new ReceiveMessageCommand({
      QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, ...extra,
    }))
    messages.push(...(got.Messages ?? []))
  }
  return messages
}

function binaryToBase64 (value) {
  return Buffer.from(value).toString('base64')
}

async function main () {
  const out = {
    md5ValidationOn: client.config.md5 !== false && typeof client.config.md5 === 'function',
  }
  const created = await client.send(new CreateQueueCommand({
    QueueName: queueName, Attributes: { VisibilityTimeout: '30' }, tags: { team: 'js' },
  }))
  const queueUrl = created.QueueUrl
  out.queueUrl = queueUrl

  const body = 'hello from js é ☃'
  const sent = await client.send(new SendMessageCommand({
    QueueUrl: queueUrl,
    MessageBody: body,
    MessageAttributes: {
      s: { DataType: 'String', StringValue: 'v é' },
      n: { DataType: 'Number', StringValue: '42' },
      b: { DataType: 'Binary', BinaryValue: Uint8Array.from([0, 1, 255]) },
    },
  }))
  out.sent = {
    MessageId: sent.MessageId,
    MD5OfMessageBody: sent.MD5OfMessageBody,
    MD5OfMessageAttributes: sent.MD5OfMessageAttributes,
  }

  const received = await receiveAll(queueUrl, 1, {
    MessageAttributeNames: ['All'], MessageSystemAttributeNames: ['All'],
  })
  out.received = received.map(m => ({
    MessageId: m.MessageId,
    Body: m.Body,
    MD5OfBody: m.MD5OfBody,
    MD5OfMessageAttributes: m.MD5OfMessageAttributes,
    ReceiveCount: m.Attributes?.ApproximateReceiveCount,
    MessageAttributes: Object.fromEntries(Object.entries(m.MessageAttributes ?? {}).map(
      ([name, value]) => [name, value.DataType === 'Binary'
        ? { DataType: value.DataType, BinaryValue: binaryToBase64(value.BinaryValue) }
        : { DataType: value.DataType, StringValue: value.StringValue }])),
  }))
  for (const m of received) {
    await client.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }))
  }

  const batch = await client.send(new SendMessageBatchCommand({
    QueueUrl: queueUrl,
    Entries: Array.from({ length: BATCH }, (_, i) => ({ Id: `e${i}`, MessageBody: `batch body ${i}` })),
  }))
  out.batchSuccessful = (batch.Successful ?? []).map(e => e.Id).sort()
  out.batchFailed = batch.Failed ?? []
  out.batchMd5 = Object.fromEntries((batch.Successful ?? []).map(e => [e.Id, e.MD5OfMessageBody]))

  const attributes = await client.send(new GetQueueAttributesCommand({
    QueueUrl: queueUrl, AttributeNames: ['All'],
  }))
  out.attributes = attributes.Attributes

  const batchReceived = await receiveAll(queueUrl, BATCH)
  out.batchBodies = batchReceived.map(m => m.Body).sort()
  if (batchReceived.length > 0) {
    const deleted = await client.send(new DeleteMessageBatchCommand({
      QueueUrl: queueUrl,
      Entries: batchReceived.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle })),
    }))
    out.batchDeleted = (deleted.Successful ?? []).length
  }

  // A client with no endpoint configured sends each request to its QueueUrl's origin
  // (useQueueUrlAsEndpoint, on by default): the URL the broker returned must reach it.
  const byQueueUrl = new SQSClient({
    region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, maxAttempts: 1,
  })
  const viaUrl = await byQueueUrl.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'via url' }))
  const gotViaUrl = await byQueueUrl.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1 }))
  out.viaQueueUrl = {
    sent: viaUrl.MessageId,
    received: (gotViaUrl.Messages ?? []).map(m => [m.MessageId, m.Body]),
  }

  await client.send(new DeleteQueueCommand({ QueueUrl: queueUrl }))
  try {
    await client.send(new GetQueueUrlCommand({ QueueName: queueName }))
    out.afterDelete = 'still there'
  } catch (error) {
    out.afterDelete = {
      name: error.name,
      isQueueDoesNotExist: error instanceof QueueDoesNotExist,
      code: error.Code ?? null,
      status: error.$metadata?.httpStatusCode,
    }
  }
  out.contentTypes = [...contentTypes]
  process.stdout.write(JSON.stringify(out))
}

main().catch(error => {
  process.stderr.write(`${error.name}: ${error.message}\n${error.stack}\n`)
  process.exit(1)
})
