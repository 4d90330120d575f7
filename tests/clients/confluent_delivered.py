#!/usr/bin/env python3
"""confluent-kafka (librdkafka) as producer and checker, for the crash test
and a round trip.

    confluent_delivered.py produce BOOTSTRAP TOPIC COUNT REPORT_FILE [SECONDS]
        Produces COUNT keyed messages (acks=all, no idempotence), and appends
        "partition offset key value" to REPORT_FILE for each delivery report
        that says delivered, flushing each line at once: whatever happens to
        the broker meanwhile, the file lists only acknowledged messages. Gives
        up after SECONDS (default 60). Exit 0.

    confluent_delivered.py check BOOTSTRAP TOPIC REPORT_FILE
        Reads every partition from the beginning and checks that each message
        of REPORT_FILE is at its offset, byte for byte. Exit 1 naming the
        first problems; 0 and "ok N" otherwise.
"""
import sys
import time

from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition


def produce(bootstrap, topic, count, report_path, seconds):
    report = open(report_path, "a", buffering=1)
    producer = Producer({"bootstrap.servers": bootstrap, "acks": "all", "enable.idempotence": False,
                         "linger.ms": 2, "message.timeout.ms": 4000, "retry.backoff.ms": 50,
                         "reconnect.backoff.ms": 50, "reconnect.backoff.max.ms": 200})

    def delivered(err, msg):
        if err is None:
            report.write(f"{msg.partition()} {msg.offset()} {msg.key().decode()} {msg.value().decode()}\n")

    deadline = time.monotonic() + seconds
    for i in range(count):
        if time.monotonic() > deadline:
            break
        while True:
            try:
                producer.produce(topic, key=f"k{i}", value=f"v{i}-" + "y" * (i % 61), on_delivery=delivered)
                break
            except BufferError:
                producer.poll(0.05)
        producer.poll(0)
    producer.flush(max(1.0, deadline - time.monotonic() + 5))
    report.close()


def check(bootstrap, topic, report_path):
    expected = {}
    for line in open(report_path):
        partition, offset, key, value = line.split()
        expected[(int(partition), int(offset))] = (key, value)
    if not expected:
        print("ok 0 (nothing was acknowledged)")
        return 0
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "unused", "enable.auto.commit": False,
                         "enable.partition.eof": True, "check.crcs": True})
    partitions = sorted({p for p, _ in expected})
    consumer.assign([TopicPartition(topic, p, 0) for p in partitions])
    got = {}
    at_eof = set()
    deadline = time.monotonic() + 60
    while len(at_eof) < len(partitions) and time.monotonic() < deadline:
        msg = consumer.poll(1.0)
        if msg is None:
            continue
        if msg.error():
            if msg.error().code() == KafkaError._PARTITION_EOF:
                at_eof.add(msg.partition())
                continue
            print(f"consumer error: {msg.error()}")
            return 1
        got[(msg.partition(), msg.offset())] = (msg.key().decode(), msg.value().decode())
    consumer.close()
    problems = 0
    for where, kv in sorted(expected.items()):
        if got.get(where) != kv:
            print(f"partition {where[0]} offset {where[1]}: acknowledged {kv}, read {got.get(where)}")
            problems += 1
            if problems > 20:
                break
    if problems:
        return 1
    print(f"ok {len(expected)} acknowledged messages found")
    return 0


def main():
    mode = sys.argv[1]
    if mode == "produce":
        seconds = float(sys.argv[6]) if len(sys.argv) > 6 else 60
        produce(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5], seconds)
        return 0
    return check(sys.argv[2], sys.argv[3], sys.argv[4])


if __name__ == "__main__":
    sys.exit(main())
