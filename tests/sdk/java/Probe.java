// Probe on the AWS SDK for Java v2: polls DefaultCredentialsProvider (the chain
// a Java Dapr app uses) and prints "key <id>" (or "error <message>") for N seconds.
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;

public final class Probe {
    public static void main(String[] args) throws InterruptedException {
        double seconds = Double.parseDouble(args[0]);
        System.out.println("pid " + ProcessHandle.current().pid());
        long end = System.nanoTime() + (long) (seconds * 1e9);
        try (DefaultCredentialsProvider provider = DefaultCredentialsProvider.builder().build()) {
            while (System.nanoTime() < end) {
                try {
                    AwsCredentials credentials = provider.resolveCredentials();
                    System.out.println("key " + credentials.accessKeyId());
                } catch (RuntimeException e) {
                    System.out.println("error " + String.valueOf(e.getMessage()).replace('\n', ' '));
                }
                System.out.flush();
                Thread.sleep(250);
            }
        }
    }
}
