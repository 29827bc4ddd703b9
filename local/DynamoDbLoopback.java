import java.lang.reflect.Field;

/**
 * DynamoDB Local bound to 127.0.0.1. DynamoDB Local has no listen-address option: its
 * Jetty server listens on every interface. This builds the same server from the same
 * command line (ServerRunner.createServerFromCommandLineArgs), sets the host of its
 * connectors to 127.0.0.1, then starts it. local/dynamodb.ts compiles it once with the
 * JRE's own compiler module (java -m jdk.compiler/com.sun.tools.javac.Main) into
 * node_modules/.cache, or runs it in Java's single-file source mode. Reflection only, so
 * it compiles against java.base alone.
 */
public class DynamoDbLoopback {
  public static void main(String[] args) throws Exception {
    Class<?> runner = Class.forName("software.amazon.dynamodb.services.local.main.ServerRunner");
    Object server = runner.getMethod("createServerFromCommandLineArgs", String[].class).invoke(null, (Object) args);
    Field field = server.getClass().getDeclaredField("server");
    field.setAccessible(true);
    Object jetty = field.get(server);
    Object[] connectors = (Object[]) jetty.getClass().getMethod("getConnectors").invoke(jetty);
    if (connectors.length == 0) throw new IllegalStateException("DynamoDB Local has no connector to bind");
    for (Object connector : connectors) {
      connector.getClass().getMethod("setHost", String.class).invoke(connector, "127.0.0.1");
    }
    server.getClass().getMethod("start").invoke(server);
  }
}
