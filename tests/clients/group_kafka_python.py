#!/usr/bin/env python3
"""kafka-python's KafkaConsumer in a consumer group (python3-kafka, a client
independent of librdkafka): FindCoordinator, JoinGroup, SyncGroup,
Heartbeat, OffsetCommit, OffsetFetch and LeaveGroup as that client speaks
them.

    group_kafka_python.py BOOTSTRAP TOPIC GROUP EXPECTED

Joins GROUP subscribed to TOPIC and reads until EXPECTED messages came
(or 60 s passed), commits synchronously and closes (LeaveGroup). Prints
"assigned P,P,.. read N" and exits 0 when N == EXPECTED, 1 otherwise.
With EXPECTED 0 it polls for 5 s after its assignment and expects nothing
(everything before was committed by an earlier member of the group).
"""
import sys
import time

from kafka import KafkaConsumer


def main():
    bootstrap, topic, group, expected = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    consumer = KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group, auto_offset_reset="earliest",
                             enable_auto_commit=False, session_timeout_ms=10000, heartbeat_interval_ms=1000,
                             request_timeout_ms=30000)
    read = 0
    deadline = time.monotonic() + 60
    quiet_until = None
    while time.monotonic() < deadline:
        batches = consumer.poll(timeout_ms=500)
        read += sum(len(records) for records in batches.values())
        if expected > 0 and read >= expected:
            break
        if expected == 0 and consumer.assignment():
            quiet_until = quiet_until or time.monotonic() + 5
            if time.monotonic() >= quiet_until:
                break
    assigned = sorted(tp.partition for tp in consumer.assignment())
    consumer.commit()
    consumer.close()
    print("assigned " + ",".join(str(p) for p in assigned) + f" read {read}")
    return 0 if read == expected else 1


if __name__ == "__main__":
    sys.exit(main())
