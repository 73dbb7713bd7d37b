package io.matterpipeline.ingest.api;

import io.matterpipeline.error.PipelineException;
import io.matterpipeline.ingest.access.AccessDeniedException;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.codec.DecodingException;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.codec.HttpMessageWriter;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.reactive.result.view.ViewResolver;
import org.springframework.web.server.MethodNotAllowedException;
import org.springframework.web.server.NotAcceptableStatusException;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.ServerWebInputException;
import org.springframework.web.server.UnsupportedMediaTypeStatusException;
import org.springframework.web.server.WebExceptionHandler;
import reactor.core.publisher.Mono;

/**
 * The one place where failures become HTTP answers: RFC 9457 problem+json with a stable {@code type}
 * ({@value #TYPE_BASE}{@code <reason>}), a {@code title} derived from the reason, the status, a human {@code detail}
 * and the request path as {@code instance}. A {@link PipelineException} maps by its kind; framework errors (bad JSON,
 * wrong media type or method, unknown path) get their own reasons; anything else is a 500 whose detail names a log
 * reference instead of exposing internals. Runs before Spring Boot's error handler.
 */
final class ProblemDetailsHandler implements WebExceptionHandler, Ordered {

    /** Prefix of every problem type URI. */
    static final String TYPE_BASE = "https://matter-pipeline.io/problems/";

    private static final Logger log = LoggerFactory.getLogger(ProblemDetailsHandler.class);

    private final ServerResponse.Context context;

    ProblemDetailsHandler(List<HttpMessageWriter<?>> writers) {
        this.context = new ServerResponse.Context() {
            @Override
            public List<HttpMessageWriter<?>> messageWriters() {
                return writers;
            }

            @Override
            public List<ViewResolver> viewResolvers() {
                return List.of();
            }
        };
    }

    @Override
    public int getOrder() {
        // Before Spring Boot's DefaultErrorWebExceptionHandler (-1), which would answer in its own format.
        return -2;
    }

    @Override
    public Mono<Void> handle(ServerWebExchange exchange, Throwable error) {
        if (exchange.getResponse().isCommitted()) {
            // Mid-stream: the status line is gone; all that is left is to abort the connection.
            return Mono.error(error);
        }
        Problem problem = classify(error);
        String path = exchange.getRequest().getPath().value();
        if (problem.status().is5xxServerError()) {
            log.error("{} {} failed ({}): {}", exchange.getRequest().getMethod(), path, problem.reason(),
                    problem.detail(), error);
        } else {
            log.debug("{} {} refused ({}): {}", exchange.getRequest().getMethod(), path, problem.reason(),
                    problem.detail());
        }
        ProblemDetail body = ProblemDetail.forStatusAndDetail(problem.status(), problem.detail());
        body.setType(URI.create(TYPE_BASE + problem.reason()));
        body.setTitle(title(problem.reason()));
        body.setInstance(URI.create(exchange.getRequest().getURI().getRawPath()));
        exchange.getResponse().getHeaders().clearContentHeaders();
        return ServerResponse.status(problem.status())
                .headers(headers -> headers.addAll(problem.headers()))
                .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .bodyValue(body)
                .flatMap(response -> response.writeTo(exchange, context));
    }

    static Problem classify(Throwable error) {
        if (error instanceof PipelineException pipeline) {
            return fromPipeline(pipeline);
        }
        if (error instanceof AccessDeniedException denied) {
            HttpHeaders headers = new HttpHeaders();
            denied.headers().forEach(headers::set);
            return new Problem(HttpStatusCode.valueOf(denied.status()), denied.reason(), denied.getMessage(), headers);
        }
        if (error instanceof ResponseStatusException status) {
            return fromStatus(status);
        }
        if (error instanceof DecodingException) {
            return malformedBody();
        }
        if (error instanceof DataBufferLimitException) {
            return new Problem(HttpStatus.CONTENT_TOO_LARGE, "request-too-large",
                    "A part of the request is larger than this server buffers", HttpHeaders.EMPTY);
        }
        String reference = UUID.randomUUID().toString();
        return new Problem(HttpStatus.INTERNAL_SERVER_ERROR, "internal-error",
                "The request failed unexpectedly; the server log has the details under reference " + reference,
                HttpHeaders.EMPTY);
    }

    private static Problem fromPipeline(PipelineException error) {
        HttpStatus status = switch (error.kind()) {
            case BAD_INPUT -> HttpStatus.BAD_REQUEST;
            case NOT_FOUND -> HttpStatus.NOT_FOUND;
            case CONFLICT -> HttpStatus.CONFLICT;
            case TOO_LARGE -> HttpStatus.CONTENT_TOO_LARGE;
            case TRANSIENT -> HttpStatus.SERVICE_UNAVAILABLE;
            case POISON -> HttpStatus.INTERNAL_SERVER_ERROR;
        };
        HttpHeaders headers = new HttpHeaders();
        if (error.kind() == PipelineException.Kind.TRANSIENT) {
            headers.set(HttpHeaders.RETRY_AFTER, "1");
        }
        return new Problem(status, error.reason(), error.getMessage(), headers);
    }

    private static Problem fromStatus(ResponseStatusException error) {
        HttpStatusCode status = error.getStatusCode();
        HttpHeaders headers = new HttpHeaders();
        headers.addAll(error.getHeaders());
        if (error instanceof UnsupportedMediaTypeStatusException unsupported) {
            return new Problem(status, "unsupported-media-type", "Content type "
                    + (unsupported.getContentType() == null ? "(none)" : unsupported.getContentType())
                    + " is not supported here; use " + unsupported.getSupportedMediaTypes(), headers);
        }
        if (error instanceof MethodNotAllowedException notAllowed) {
            return new Problem(status, "method-not-allowed", "Method " + notAllowed.getHttpMethod()
                    + " is not allowed here; allowed: " + notAllowed.getSupportedMethods(), headers);
        }
        if (error instanceof NotAcceptableStatusException notAcceptable) {
            return new Problem(status, "not-acceptable", "None of the requested media types can be produced; "
                    + "available: " + notAcceptable.getSupportedMediaTypes(), headers);
        }
        if (error instanceof ServerWebInputException && hasCause(error, DecodingException.class)) {
            return malformedBody();
        }
        if (status.value() == HttpStatus.NOT_FOUND.value()) {
            return new Problem(status, "not-found", "No resource at this path", headers);
        }
        if (status.value() == HttpStatus.CONTENT_TOO_LARGE.value()) {
            return new Problem(status, "request-too-large", "The request is larger than allowed", headers);
        }
        String reason = error.getReason() == null ? "The request was refused" : error.getReason();
        return new Problem(status, slug(status), reason, headers);
    }

    private static Problem malformedBody() {
        return new Problem(HttpStatus.BAD_REQUEST, "malformed-body",
                "The request body is not well-formed JSON of the expected shape", HttpHeaders.EMPTY);
    }

    private static boolean hasCause(Throwable error, Class<? extends Throwable> type) {
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (type.isInstance(cause)) {
                return true;
            }
        }
        return false;
    }

    /** {@code bad-request} for 400 and so on: a stable reason for statuses without a more specific one. */
    private static String slug(HttpStatusCode status) {
        HttpStatus known = HttpStatus.resolve(status.value());
        return known == null ? "http-" + status.value()
                : known.getReasonPhrase().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-");
    }

    /** {@code matter-not-found} becomes "Matter not found": the title is fixed per type, as RFC 9457 asks. */
    static String title(String reason) {
        String words = reason.replace('-', ' ');
        return words.isEmpty() ? words : Character.toUpperCase(words.charAt(0)) + words.substring(1);
    }

    record Problem(HttpStatusCode status, String reason, String detail, HttpHeaders headers) {
    }
}
