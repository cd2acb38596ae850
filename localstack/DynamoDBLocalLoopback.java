// Starts DynamoDB Local (the jar bundled in the npm package amplify-dynamodb-simulator) bound to
// 127.0.0.1 instead of all interfaces: DynamoDB Local has no bind-address option, so this builds the
// server exactly as its own ServerRunner does (same command-line flags), then sets the host of its
// Jetty connector before starting it. Only reflection, so it compiles without DynamoDB Local's jars.
//
//   javac -d OUT DynamoDBLocalLoopback.java
//   java -Djava.library.path=DIR/DynamoDBLocal_lib -cp OUT:DIR/DynamoDBLocal.jar DynamoDBLocalLoopback -inMemory -port 8000
//
// -Ddynamodb.bindHost=ADDR picks another address (default 127.0.0.1).
import java.lang.reflect.Field;

public class DynamoDBLocalLoopback {
    public static void main(String[] args) throws Exception {
        String host = System.getProperty("dynamodb.bindHost", "127.0.0.1");
        Class<?> runner = Class.forName("com.amazonaws.services.dynamodbv2.local.main.ServerRunner");
        Object proxy = runner.getMethod("createServerFromCommandLineArgs", String[].class).invoke(null, (Object) args);
        if (proxy == null) {
            System.exit(1); // bad arguments or -help/-version: ServerRunner already printed why
        }
        Field field = proxy.getClass().getDeclaredField("server");
        field.setAccessible(true);
        Object server = field.get(proxy);
        Object[] connectors = (Object[]) server.getClass().getMethod("getConnectors").invoke(server);
        if (connectors.length == 0) {
            throw new IllegalStateException("DynamoDB Local has no connector to bind");
        }
        for (Object connector : connectors) {
            connector.getClass().getMethod("setHost", String.class).invoke(connector, host);
        }
        proxy.getClass().getMethod("start").invoke(proxy);
        System.out.println("DynamoDB Local listening on " + host);
    }
}
