package bindings;

import java.nio.file.Files;
import java.nio.file.Path;

import software.amazon.awscdk.App;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.efs.AccessPoint;
import software.amazon.awscdk.services.lambda.Code;
import software.amazon.awscdk.services.lambda.Runtime;
import software.constructs.Construct;

import io.github.cdklambdaefs.EfsBackedFunction;
import io.github.cdklambdaefs.InferenceVpc;
import io.github.cdklambdaefs.PosixAccessPointOptions;
import io.github.cdklambdaefs.SharedFileSystem;

/**
 * Synthesizes the README's Java examples (readme.ExampleN, generated from the README by
 * scripts/bindings/readme_examples.py) into OUT_DIR/example_N, then checks that bad inputs
 * give errors that name the settings as Java spells them (the builder methods).
 *
 * Usage: java bindings.Synth OUT_DIR N...
 */
public final class Synth {
    private Synth() {
    }

    public static void main(final String[] args) throws Exception {
        Path out = Path.of(args[0]);
        for (int i = 1; i < args.length; i++) {
            int n = Integer.parseInt(args[i]);
            Path dir = out.resolve("example_" + n);
            App app = App.Builder.create().outdir(dir.toString()).build();
            Class.forName("readme.Example" + n).getConstructor(Construct.class, String.class).newInstance(app, "Example");
            app.synth();
            if (!Files.exists(dir.resolve("Example.template.json"))) {
                throw new AssertionError("example " + n + " wrote no template");
            }
            System.out.println("Java example " + n + ": synthesized");
        }
        badInputs();
    }

    private static void badInputs() {
        Stack stack = new Stack(new App(), "Bad");
        InferenceVpc network = new InferenceVpc(stack, "Network");
        SharedFileSystem shared = SharedFileSystem.Builder.create(stack, "Shared").vpc(network.getVpc()).build();
        AccessPoint models = shared.addAccessPoint("Models", PosixAccessPointOptions.builder().path("/ml").uid("1001").gid("1001").build());
        Code code = Code.fromInline("def handler(event, context):\n    return None\n");

        String invalid = expectError(RuntimeException.class, () -> EfsBackedFunction.Builder.create(stack, "Relative")
                .fileSystem(shared).accessPoint(models).mountPath("data")
                .runtime(Runtime.PYTHON_3_14).handler("app.handler").code(code).build());
        require(invalid, "mountPath must start with /mnt/");
        require(invalid, "(got 'data')");

        String zero = expectError(RuntimeException.class, () -> EfsBackedFunction.Builder.create(stack, "Zero")
                .fileSystem(shared).accessPoint(models).mountPath("/mnt/data")
                .runtime(Runtime.PYTHON_3_14).handler("app.handler").code(code).reservedConcurrentExecutions(0).build());
        require(zero, "reservedConcurrentExecutions");

        String missing = expectError(NullPointerException.class, () -> EfsBackedFunction.Builder.create(stack, "Missing")
                .fileSystem(shared).accessPoint(models)
                .runtime(Runtime.PYTHON_3_14).handler("app.handler").code(code).build());
        require(missing, "mountPath is required");
        System.out.println("Java bad inputs: 3 errors, each naming the setting as Java spells it");
    }

    private static String expectError(final Class<? extends RuntimeException> type, final Runnable action) {
        try {
            action.run();
        } catch (RuntimeException e) {
            if (!type.isInstance(e)) {
                throw new AssertionError("expected " + type.getName() + ", got " + e, e);
            }
            System.out.println("  " + e.getClass().getName() + ": " + e.getMessage().lines().findFirst().orElse(""));
            return e.getMessage();
        }
        throw new AssertionError("expected " + type.getName() + ", nothing was thrown");
    }

    private static void require(final String message, final String part) {
        if (!message.contains(part)) {
            throw new AssertionError("expected the message to contain \"" + part + "\": " + message);
        }
    }
}
