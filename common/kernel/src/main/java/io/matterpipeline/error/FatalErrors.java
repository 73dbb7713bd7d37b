package io.matterpipeline.error;

import java.io.PrintStream;
import java.util.concurrent.atomic.AtomicBoolean;
import reactor.core.publisher.Hooks;
import reactor.core.scheduler.Schedulers;

/**
 * The process-wide policy for a JVM {@link VirtualMachineError} ({@link OutOfMemoryError}, {@link StackOverflowError},
 * {@link InternalError}): the process stops at once with exit status {@value #EXIT_STATUS} instead of living on with
 * a consumer that silently died. Its unsettled messages are then redelivered (to another instance, or to this one
 * restarted by its supervisor: a scale set, a container platform, systemd). {@code Runtime.halt} and not
 * {@code System.exit}: a heap that is full cannot be trusted to run shutdown hooks.
 *
 * <p>{@link #install()} (done by every service at startup and by {@code matter-pipeline.jar}) halts on such an error
 * when it reaches a thread's uncaught-exception handler, Reactor's scheduler error hook or Reactor's dropped-error
 * hook; code that catches {@link Throwable} calls {@link #haltIfFatal}. Where the launch command can say so,
 * {@code -XX:+ExitOnOutOfMemoryError} additionally stops the JVM at the very allocation that failed. Off only when the
 * system property or environment variable {@code matter-pipeline.halt-on-fatal-error} /
 * {@code MATTER_PIPELINE_HALT_ON_FATAL_ERROR} is {@code false} (tests that provoke such errors on purpose).
 */
public final class FatalErrors {

    /** Exit status of a process stopped by a fatal error (sysexits' EX_SOFTWARE). */
    public static final int EXIT_STATUS = 70;

    private static final AtomicBoolean INSTALLED = new AtomicBoolean();
    private static volatile Halt halt = status -> Runtime.getRuntime().halt(status);

    private FatalErrors() {
    }

    /** How the process is stopped; replaced in tests. */
    @FunctionalInterface
    public interface Halt {
        void halt(int status);
    }

    /** Installs the hooks once per JVM; later calls do nothing. */
    public static void install() {
        if (!enabled() || !INSTALLED.compareAndSet(false, true)) {
            return;
        }
        Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((thread, error) -> {
            haltIfFatal(error);
            if (previous != null) {
                previous.uncaughtException(thread, error);
            } else {
                error.printStackTrace();
            }
        });
        Schedulers.onHandleError(FatalErrors.class.getName(), (thread, error) -> haltIfFatal(error));
        Hooks.onErrorDropped(FatalErrors::haltIfFatal);
    }

    /** True when the policy is on (the default). */
    public static boolean enabled() {
        String property = System.getProperty("matter-pipeline.halt-on-fatal-error",
                System.getenv("MATTER_PIPELINE_HALT_ON_FATAL_ERROR"));
        return property == null || !property.trim().equalsIgnoreCase("false");
    }

    /** Stops the process if {@code error} is, or was caused by, a {@link VirtualMachineError}; otherwise returns. */
    public static void haltIfFatal(Throwable error) {
        VirtualMachineError fatal = fatalCause(error);
        if (fatal == null || !enabled()) {
            return;
        }
        // Plain stderr: a logger may need memory or locks that are gone.
        PrintStream err = System.err;
        err.println("FATAL: " + fatal + " in thread " + Thread.currentThread().getName()
                + "; stopping the process (exit status " + EXIT_STATUS + ") so its messages are redelivered");
        err.flush();
        halt.halt(EXIT_STATUS);
    }

    /** The {@link VirtualMachineError} in {@code error}'s cause chain, or null. */
    public static VirtualMachineError fatalCause(Throwable error) {
        for (Throwable cause = error; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause instanceof VirtualMachineError fatal) {
                return fatal;
            }
        }
        return null;
    }

    /** Replaces how the process is stopped (tests that provoke a fatal error in-process); returns the previous way. */
    public static Halt replaceHalt(Halt replacement) {
        Halt previous = halt;
        halt = replacement;
        return previous;
    }
}
