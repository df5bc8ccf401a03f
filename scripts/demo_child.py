"""The demo's child: shows how credentials reached it and who they say it is."""

import os

import botocore.session

env = os.environ
session = botocore.session.get_session()
creds = session.get_credentials()
frozen = creds.get_frozen_credentials()
print("  child sees:")
if env.get("AWS_CONTAINER_CREDENTIALS_FULL_URI"):
    print(f"    AWS_CONTAINER_CREDENTIALS_FULL_URI {env['AWS_CONTAINER_CREDENTIALS_FULL_URI'][:30]}... (endpoint mode)")
    print(f"    AWS_CONTAINER_AUTHORIZATION_TOKEN  ({len(env['AWS_CONTAINER_AUTHORIZATION_TOKEN'])} characters)")
else:
    print(f"    AWS_CREDENTIAL_EXPIRATION {env.get('AWS_CREDENTIAL_EXPIRATION')} (env mode)")
print(f"    its SDK resolved: key {frozen.access_key}, secret {frozen.secret_key[:4]}..., "
      f"via {creds.method}, expiring {getattr(creds, '_expiry_time', None)}")
print(f"    AWS_REGION {env.get('AWS_REGION')}; AWS_PROFILE {env.get('AWS_PROFILE', '(not set: scrubbed by dapr-aws)')}")
sts = session.create_client("sts")
print(f"  identity (STS GetCallerIdentity): {sts.get_caller_identity()['Arn']}")
