#!/usr/bin/env python3
"""A produce → consume round trip through kafka-python (python3-kafka), a
client implementation independent of librdkafka.

    kafka_python_roundtrip.py BOOTSTRAP TOPIC COUNT [COMPRESSION]

Produces COUNT keyed messages with headers (acks=all), remembers the
partition and offset each delivery report gave, then reads every partition
from the beginning without a consumer group (check_crcs=True: kafka-python
verifies each batch's CRC-32C) and checks that every message is there,
byte for byte, at the offset it was acknowledged with. Prints one line per
problem and exits 1 on any; 0 and "ok N" when all match.
"""
import sys
import time

from kafka import KafkaConsumer, KafkaProducer, TopicPartition


def main():
    bootstrap, topic, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    compression = sys.argv[4] if len(sys.argv) > 4 and sys.argv[4] != "none" else None
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", compression_type=compression,
                             linger_ms=5, request_timeout_ms=20000, max_block_ms=20000)
    sent = {}
    futures = []
    for i in range(count):
        key = f"key-{i}".encode()
        value = (f"value-{i}-" + "z" * (i % 97)).encode()
        headers = [("n", str(i).encode()), ("kind", b"test")]
        futures.append((key, value, headers, producer.send(topic, key=key, value=value, headers=headers)))
    producer.flush(30)
    for key, value, headers, future in futures:
        meta = future.get(timeout=30)
        sent[(meta.partition, meta.offset)] = (key, value, headers)
    producer.close(10)

    partitions = sorted({p for p, _ in sent})
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                             auto_offset_reset="earliest", check_crcs=True, consumer_timeout_ms=3000)
    consumer.assign([TopicPartition(topic, p) for p in partitions])
    consumer.seek_to_beginning()
    received = {}
    deadline = time.monotonic() + 60
    while len(received) < len(sent) and time.monotonic() < deadline:
        batch = consumer.poll(timeout_ms=1000)
        for records in batch.values():
            for r in records:
                received[(r.partition, r.offset)] = (r.key, r.value, list(r.headers))
    consumer.close()

    problems = 0
    for where, expected in sorted(sent.items()):
        got = received.get(where)
        if got is None:
            print(f"missing: partition {where[0]} offset {where[1]}")
            problems += 1
        elif got != expected:
            print(f"differs at partition {where[0]} offset {where[1]}: {got!r} != {expected!r}")
            problems += 1
        if problems > 20:
            break
    if problems:
        sys.exit(1)
    print(f"ok {len(sent)} messages in {len(partitions)} partitions")


if __name__ == "__main__":
    main()
