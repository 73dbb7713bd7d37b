package io.matterpipeline.ingest.api;

import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import org.springframework.http.HttpMethod;
import org.springframework.web.reactive.function.server.HandlerFunction;
import org.springframework.web.reactive.function.server.RequestPredicate;
import org.springframework.web.reactive.function.server.RequestPredicates;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;

/**
 * Every served "METHOD /path" of a router function, read with the router's visitor API (the 405 fallbacks, which
 * match a path without a method, are left out).
 */
final class RouteList {

    private RouteList() {
    }

    static Set<String> of(RouterFunction<?> router) {
        Set<String> routes = new TreeSet<>();
        router.accept(new RouterFunctions.Visitor() {
            @Override
            public void startNested(RequestPredicate predicate) {
            }

            @Override
            public void endNested(RequestPredicate predicate) {
            }

            @Override
            public void route(RequestPredicate predicate, HandlerFunction<?> handlerFunction) {
                Collector collector = new Collector();
                predicate.accept(collector);
                if (collector.path != null && collector.method != null) {
                    routes.add(collector.method + " " + collector.path);
                }
            }

            @Override
            public void resources(Function<ServerRequest, reactor.core.publisher.Mono<org.springframework.core.io.Resource>> lookup) {
            }

            @Override
            public void attributes(java.util.Map<String, Object> attributes) {
            }

            @Override
            public void unknown(RouterFunction<?> routerFunction) {
            }
        });
        return routes;
    }

    private static final class Collector implements RequestPredicates.Visitor {
        String method;
        String path;

        @Override
        public void method(Set<HttpMethod> methods) {
            method = methods.size() == 1 ? methods.iterator().next().name() : methods.toString();
        }

        @Override
        public void path(String pattern) {
            path = pattern;
        }

        @Override
        public void pathExtension(String extension) {
        }

        @Override
        public void header(String name, String value) {
        }

        @Override
        public void queryParam(String name, String value) {
        }

        @Override
        public void version(String version) {
        }

        @Override
        public void startAnd() {
        }

        @Override
        public void and() {
        }

        @Override
        public void endAnd() {
        }

        @Override
        public void startOr() {
        }

        @Override
        public void or() {
        }

        @Override
        public void endOr() {
        }

        @Override
        public void startNegate() {
        }

        @Override
        public void endNegate() {
        }

        @Override
        public void unknown(RequestPredicate predicate) {
        }
    }
}
