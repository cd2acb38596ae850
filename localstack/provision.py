#!/usr/bin/env python3
"""Create the project's AWS resources on the local emulators. Idempotent: run it as often as you like.

Resources
  SQS       auth-events, user-events, session-events, each with a dead-letter queue <name>-dlq
            (RedrivePolicy maxReceiveCount = LOCAL_MAX_RECEIVE_COUNT, default 3;
             VisibilityTimeout = LOCAL_QUEUE_VISIBILITY_TIMEOUT, default 5 s so retries are quick)
  DynamoDB  auth-tokens: hash key pk (S), PAY_PER_REQUEST, TTL on attribute expiresAt
  S3        bucket images on the AWS emulator AND on the S3-compatible store (SeaweedFS),
            with a bucket policy allowing anonymous s3:GetObject on keys under LOCAL_IMAGES_PUBLIC_PREFIX
            (default "images/", i.e. arn:aws:s3:::images/images/*)

Endpoints come from the environment:
  AWS_ENDPOINT_URL           the AWS emulator (LocalStack http://127.0.0.1:4566 or moto http://127.0.0.1:5000)
  AWS_ENDPOINT_URL_DYNAMODB  DynamoDB (DynamoDB Local http://127.0.0.1:8000 with LocalStack; moto itself)
  IMAGES_S3_ENDPOINT         the S3-compatible image store (SeaweedFS http://127.0.0.1:8333); empty = skip
  AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (default us-east-1 / test / test)

With --env-out FILE it writes KEY=VALUE lines (queue URLs) for .local/stack.env.
Only boto3 is needed (.local/venv-localstack has it; so does .local/venv-tools through moto).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError, EndpointConnectionError

QUEUES = ["auth-events", "user-events", "session-events"]
TOKENS_TABLE = os.environ.get("TOKENS_TABLE", "auth-tokens")
IMAGES_BUCKET = os.environ.get("IMAGES_BUCKET", "images")
TENANT_CACHE_TABLE = os.environ.get("TENANT_CACHE_TABLE", "tenant-cache")


def env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value else default


REGION = env("AWS_REGION", "us-east-1")
ACCESS_KEY = env("AWS_ACCESS_KEY_ID", "test")
SECRET_KEY = env("AWS_SECRET_ACCESS_KEY", "test")
CONFIG = Config(
    retries={"max_attempts": 8, "mode": "standard"},
    connect_timeout=3,
    read_timeout=30,
    s3={"addressing_style": "path"},
)


def client(service: str, endpoint: str | None):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        config=CONFIG,
    )


def error_code(err: ClientError) -> str:
    return err.response.get("Error", {}).get("Code", "")


def retry(what: str, fn, attempts: int = 20, delay: float = 0.5):
    """Retry on connection errors and 5xx while a server finishes starting."""
    for i in range(attempts):
        try:
            return fn()
        except EndpointConnectionError:
            pass
        except ClientError as err:
            status = err.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
            if status < 500:
                raise
        if i == attempts - 1:
            raise RuntimeError(f"{what}: gave up after {attempts} attempts")
        time.sleep(delay)


# ------------------------------------------------------------------------------------------------ SQS


def ensure_queue(sqs, name: str, attributes: dict[str, str]) -> str:
    try:
        url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
        created = False
    except ClientError as err:
        if "NonExistentQueue" not in error_code(err) and "QueueDoesNotExist" not in error_code(err):
            raise
        url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        created = True
    if not created:
        # An existing queue keeps its URL; bring its settings to what is wanted now.
        sqs.set_queue_attributes(QueueUrl=url, Attributes=attributes)
    print(f"  sqs   {name:<16} {'created' if created else 'exists '}  {url}")
    return url


def provision_sqs(endpoint: str | None) -> dict[str, str]:
    sqs = client("sqs", endpoint)
    retry("sqs", lambda: sqs.list_queues())
    max_receive = int(env("LOCAL_MAX_RECEIVE_COUNT", "3"))
    visibility = int(env("LOCAL_QUEUE_VISIBILITY_TIMEOUT", "5"))
    out: dict[str, str] = {}
    for name in QUEUES:
        dlq_url = ensure_queue(sqs, f"{name}-dlq", {"MessageRetentionPeriod": "1209600"})
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(max_receive)})
        url = ensure_queue(
            sqs,
            name,
            {"VisibilityTimeout": str(visibility), "RedrivePolicy": redrive, "MessageRetentionPeriod": "345600"},
        )
        attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["RedrivePolicy", "VisibilityTimeout"])["Attributes"]
        policy = json.loads(attrs["RedrivePolicy"])
        if int(policy["maxReceiveCount"]) != max_receive or policy["deadLetterTargetArn"] != dlq_arn:
            raise RuntimeError(f"{name}: RedrivePolicy did not stick: {attrs['RedrivePolicy']}")
        if int(attrs["VisibilityTimeout"]) != visibility:
            raise RuntimeError(f"{name}: VisibilityTimeout did not stick: {attrs['VisibilityTimeout']}")
        key = name.upper().replace("-", "_")
        out[f"{key}_QUEUE_URL"] = url
        out[f"{key}_DLQ_URL"] = dlq_url
    return out


# ------------------------------------------------------------------------------------------- DynamoDB


def provision_table(ddb, table: str, endpoint: str | None) -> None:
    """One pk-keyed, pay-per-request table with TTL on expiresAt (token store, tenant cache)."""
    try:
        retry("dynamodb", lambda: ddb.describe_table(TableName=table))
        state = "exists "
    except ClientError as err:
        if error_code(err) != "ResourceNotFoundException":
            raise
        ddb.create_table(
            TableName=table,
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            BillingMode="PAY_PER_REQUEST",
        )
        ddb.get_waiter("table_exists").wait(TableName=table, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
        state = "created"
    ttl = ddb.describe_time_to_live(TableName=table)["TimeToLiveDescription"]
    if ttl.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING") or ttl.get("AttributeName") != "expiresAt":
        ddb.update_time_to_live(
            TableName=table,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": "expiresAt"},
        )
    print(f"  ddb   {table:<16} {state}  (pk S, PAY_PER_REQUEST, TTL expiresAt) at {endpoint}")


def provision_dynamodb(endpoint: str | None) -> None:
    ddb = client("dynamodb", endpoint)
    provision_table(ddb, TOKENS_TABLE, endpoint)
    provision_table(ddb, TENANT_CACHE_TABLE, endpoint)


# ------------------------------------------------------------------------------------------------- S3


def provision_bucket(endpoint: str | None, label: str) -> None:
    s3 = client("s3", endpoint)
    retry(f"s3 {label}", lambda: s3.list_buckets())
    try:
        s3.head_bucket(Bucket=IMAGES_BUCKET)
        state = "exists "
    except ClientError as err:
        if error_code(err) not in ("404", "NoSuchBucket", "NotFound"):
            raise
        try:
            s3.create_bucket(Bucket=IMAGES_BUCKET)
        except ClientError as err2:
            if error_code(err2) not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise
        state = "created"
    prefix = env("LOCAL_IMAGES_PUBLIC_PREFIX", "images/")
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "PublicReadImages",
                "Effect": "Allow",
                "Principal": "*",
                "Action": ["s3:GetObject"],
                "Resource": [f"arn:aws:s3:::{IMAGES_BUCKET}/{prefix}*"],
            }
        ],
    }
    s3.put_bucket_policy(Bucket=IMAGES_BUCKET, Policy=json.dumps(policy))
    # Presigned uploads that are never completed must not pile up (same rule as template.yaml).
    lifecycle = "uploads/ expire after 1 day"
    try:
        s3.put_bucket_lifecycle_configuration(
            Bucket=IMAGES_BUCKET,
            LifecycleConfiguration={
                "Rules": [
                    {
                        "ID": "expire-abandoned-uploads",
                        "Status": "Enabled",
                        "Filter": {"Prefix": "uploads/"},
                        "Expiration": {"Days": 1},
                        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
                    }
                ]
            },
        )
    except ClientError as err:
        lifecycle = f"no lifecycle rules on this store ({error_code(err)})"
    print(f"  s3    {IMAGES_BUCKET:<16} {state}  public-read {prefix}*, {lifecycle}, on {label} {endpoint}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--env-out", help="write KEY=VALUE lines (queue URLs) to this file")
    args = parser.parse_args()

    aws = env("AWS_ENDPOINT_URL")
    ddb = env("AWS_ENDPOINT_URL_DYNAMODB", aws)
    images = env("IMAGES_S3_ENDPOINT")

    urls = provision_sqs(env("AWS_ENDPOINT_URL_SQS", aws))
    provision_dynamodb(ddb)
    provision_bucket(env("AWS_ENDPOINT_URL_S3", aws), "AWS emulator")
    if images:
        provision_bucket(images, "image store")

    if args.env_out:
        tmp = args.env_out + ".tmp"
        with open(tmp, "w") as fh:
            for key in sorted(urls):
                fh.write(f"{key}={urls[key]}\n")
        os.replace(tmp, args.env_out)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as exc:  # noqa: BLE001 - one readable line for the step log
        print(f"provision failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        sys.exit(1)
