"""The demo's child: shows the credentials it received and who they say it is."""

import os

import botocore.session

env = os.environ
secret = env.get("AWS_SECRET_ACCESS_KEY", "")
print("  child sees:")
print(f"    AWS_ACCESS_KEY_ID         {env.get('AWS_ACCESS_KEY_ID')}")
print(f"    AWS_SECRET_ACCESS_KEY     {secret[:4]}... ({len(secret)} characters)")
print(f"    AWS_SESSION_TOKEN         {len(env.get('AWS_SESSION_TOKEN', ''))} characters")
print(f"    AWS_CREDENTIAL_EXPIRATION {env.get('AWS_CREDENTIAL_EXPIRATION')}")
print(f"    AWS_REGION                {env.get('AWS_REGION')}")
print(f"    AWS_PROFILE               {env.get('AWS_PROFILE', '(not set: scrubbed by dapr-aws)')}")
sts = botocore.session.get_session().create_client("sts")
print(f"  identity (STS GetCallerIdentity): {sts.get_caller_identity()['Arn']}")
