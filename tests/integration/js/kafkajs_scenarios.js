'use strict'
// kafkajs scenarios against a running sluice broker, driven by tests/integration/test_kafkajs.py.
//
//   node kafkajs_scenarios.js HOST:PORT SCENARIO TOPIC
//
// SCENARIO is admin, produce or group. The results go to stdout as one JSON object; the
// process exits non-zero (with the error on stderr) when a step fails or a wait runs out.
// kafkajs is resolved through NODE_PATH (the test installs it outside the source tree).

const { Kafka, logLevel, Partitioners } = require('kafkajs')

const WAIT_MS = 60000
const PARTITIONS = 3
const MESSAGES = 1000
const SEND_BATCH = 100

const [bootstrap, scenario, topic] = process.argv.slice(2)

const kafka = new Kafka({
  clientId: 'sluice-kafkajs-test',
  brokers: [bootstrap],
  logLevel: logLevel.ERROR,
  connectionTimeout: 3000,
  requestTimeout: 10000,
  retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1000 },
})

// Rejects when `promise` has not settled within `ms`, naming the step that hung.
function bounded (promise, what, ms = WAIT_MS) {
  let timer
  const timeout = new Promise((resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

// Resolves once `check()` is true, polling every 20 ms; rejects after `ms`.
function waitFor (check, what, ms = WAIT_MS) {
  return bounded(new Promise(resolve => {
    const poll = () => (check() ? resolve() : setTimeout(poll, 20))
    poll()
  }), what, ms)
}

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))

async function withAdmin (fn) {
  const admin = kafka.admin()
  await bounded(admin.connect(), 'admin connect')
  try {
    return await fn(admin)
  } finally {
    await bounded(admin.disconnect(), 'admin disconnect')
  }
}

async function createTopic (admin, name) {
  return bounded(admin.createTopics({
    topics: [{ topic: name, numPartitions: PARTITIONS, replicationFactor: 1 }],
    waitForLeaders: true,
  }), 'createTopics')
}

async function highWatermarks (admin, name) {
  const offsets = await bounded(admin.fetchTopicOffsets(name), 'fetchTopicOffsets')
  return Object.fromEntries(offsets.map(o => [o.partition, Number(o.high)]))
}

async function admin () {
  return withAdmin(async admin => {
    const created = await createTopic(admin, topic)
    const listedAfterCreate = (await bounded(admin.listTopics(), 'listTopics')).includes(topic)
    const metadata = await bounded(admin.fetchTopicMetadata({ topics: [topic] }), 'fetchTopicMetadata')
    const partitions = metadata.topics[0].partitions.map(p => p.partitionId).sort((a, b) => a - b)
    await bounded(admin.deleteTopics({ topics: [topic], timeout: 5000 }), 'deleteTopics')
    const listedAfterDelete = (await bounded(admin.listTopics(), 'listTopics')).includes(topic)
    return { created, listedAfterCreate, partitions, listedAfterDelete }
  })
}

// Sends `values` (key = value) with acks -1 in sends of SEND_BATCH messages. Each send
// reports the partitions the default partitioner picks for its keys and what the broker
// answered, so the caller can check the returned base offsets against the counts.
async function produceValues (values) {
  const partitionMetadata = await withAdmin(async admin => {
    const metadata = await bounded(admin.fetchTopicMetadata({ topics: [topic] }), 'fetchTopicMetadata')
    return metadata.topics[0].partitions
  })
  const partitionFor = Partitioners.DefaultPartitioner()
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })
  await bounded(producer.connect(), 'producer connect')
  const sends = []
  try {
    for (let start = 0; start < values.length; start += SEND_BATCH) {
      const messages = values.slice(start, start + SEND_BATCH).map(v => ({ key: v, value: v }))
      const counts = {}
      for (const message of messages) {
        const partition = partitionFor({ topic, partitionMetadata, message })
        counts[partition] = (counts[partition] || 0) + 1
      }
      const results = await bounded(producer.send({ topic, acks: -1, messages }), 'producer send')
      sends.push({
        counts,
        results: results.map(r => ({
          partition: r.partition, errorCode: r.errorCode, baseOffset: Number(r.baseOffset),
        })),
      })
    }
  } finally {
    await bounded(producer.disconnect(), 'producer disconnect')
  }
  return sends
}

const valuesFrom = (prefix, n) => Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(4, '0')}`)

async function produce () {
  const created = await withAdmin(admin => createTopic(admin, topic))
  const sends = await produceValues(valuesFrom('value', MESSAGES))
  const high = await withAdmin(admin => highWatermarks(admin, topic))
  return { created, sends, high }
}

// Runs a group consumer until `done(received)` holds, then for `settleMs` longer so that
// duplicates or extra messages would be seen too. `afterJoin` runs once the member holds
// every partition. Commits the next offset of each partition it read before disconnecting.
async function consume (groupId, { done, settleMs, afterJoin }) {
  const consumer = kafka.consumer({
    groupId,
    sessionTimeout: 10000,
    rebalanceTimeout: 10000,
    heartbeatInterval: 1000,
    maxWaitTimeInMs: 200,
    retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1000 },
  })
  const received = []
  let assigned = []
  let crashed = null
  consumer.on(consumer.events.GROUP_JOIN, e => {
    assigned = (e.payload.memberAssignment[topic] || []).slice().sort((a, b) => a - b)
  })
  consumer.on(consumer.events.CRASH, e => { crashed = e.payload.error })
  await bounded(consumer.connect(), 'consumer connect')
  try {
    await bounded(consumer.subscribe({ topics: [topic], fromBeginning: true }), 'subscribe')
    await bounded(consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        received.push({
          partition,
          offset: Number(message.offset),
          key: message.key && message.key.toString(),
          value: message.value && message.value.toString(),
        })
      },
    }), 'consumer run')
    await waitFor(() => crashed || assigned.length === PARTITIONS, 'group join with every partition')
    if (crashed) throw crashed
    if (afterJoin) await afterJoin()
    await waitFor(() => crashed || done(received), 'the expected messages')
    await sleep(settleMs)
    if (crashed) throw crashed
    const next = {}
    for (const r of received) next[r.partition] = Math.max(next[r.partition] || 0, r.offset + 1)
    const commits = Object.entries(next).map(([p, o]) => ({ topic, partition: Number(p), offset: String(o) }))
    if (commits.length) await bounded(consumer.commitOffsets(commits), 'commitOffsets')
    return { assigned, received }
  } finally {
    await bounded(consumer.disconnect(), 'consumer disconnect')
  }
}

async function group () {
  const groupId = `${topic}-group`
  const created = await withAdmin(admin => createTopic(admin, topic))
  const produced = valuesFrom('value', MESSAGES)
  await produceValues(produced)
  const first = await consume(groupId, { done: r => r.length >= MESSAGES, settleMs: 1000 })
  const committed = await withAdmin(async admin => {
    const offsets = await bounded(admin.fetchOffsets({ groupId, topics: [topic] }), 'fetchOffsets')
    return Object.fromEntries(offsets[0].partitions.map(p => [p.partition, Number(p.offset)]))
  })
  const fresh = valuesFrom('fresh', 10)
  const second = await consume(groupId, {
    done: r => r.length >= fresh.length,
    settleMs: 2000,
    afterJoin: () => produceValues(fresh),
  })
  const high = await withAdmin(admin => highWatermarks(admin, topic))
  return { created, first, committed, second, high }
}

// DeleteRecords: 10 records in partition 0, everything below offset 6 deleted; the low
// watermark moves and a consumer from the beginning starts at 6.
async function deleteRecords () {
  await withAdmin(admin => createTopic(admin, topic))
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })
  await bounded(producer.connect(), 'producer connect')
  await bounded(producer.send({
    topic,
    acks: -1,
    messages: Array.from({ length: 10 }, (_, i) => ({ partition: 0, value: `record-${i}` })),
  }), 'send')
  await bounded(producer.disconnect(), 'producer disconnect')
  return withAdmin(async admin => {
    // deleteTopicRecords reads the partition leaders from the admin's cached metadata.
    await bounded(admin.fetchTopicMetadata({ topics: [topic] }), 'fetchTopicMetadata')
    await bounded(admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '6' }] }),
      'deleteTopicRecords')
    const offsets = await bounded(admin.fetchTopicOffsets(topic), 'fetchTopicOffsets')
    const zero = offsets.find(p => p.partition === 0)
    return { low: Number(zero.low), high: Number(zero.high) }
  })
}

const scenarios = { admin, produce, group, 'delete-records': deleteRecords }

async function main () {
  if (!bootstrap || !scenarios[scenario] || !topic) {
    throw new Error(`usage: node kafkajs_scenarios.js HOST:PORT (${Object.keys(scenarios).join('|')}) TOPIC`)
  }
  const result = await bounded(scenarios[scenario](), `scenario ${scenario}`, 3 * WAIT_MS)
  // A pipe takes stdout asynchronously: exit only once the whole result is written.
  await new Promise(resolve => process.stdout.write(JSON.stringify(result) + '\n', resolve))
}

main().then(() => process.exit(0), error => {
  process.stderr.write(`kafkajs scenario ${scenario} failed: ${error && error.stack ? error.stack : error}\n`)
  process.exit(1)
})
