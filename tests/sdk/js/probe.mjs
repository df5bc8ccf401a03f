// Probe on the AWS SDK for JavaScript v3: polls fromNodeProviderChain() and
// prints "key <id>" (or "error <message>") for N seconds.
import { fromNodeProviderChain } from "@aws-sdk/credential-providers";

const seconds = Number(process.argv[2]);
console.log(`pid ${process.pid}`);
const provider = fromNodeProviderChain();
const end = Date.now() + seconds * 1000;
while (Date.now() < end) {
  try {
    const creds = await provider();
    console.log(`key ${creds.accessKeyId}`);
  } catch (err) {
    console.log(`error ${String(err.message || err).split("\n")[0]}`);
  }
  await new Promise((resolve) => setTimeout(resolve, 250));
}
