package io.github.queuemetrics.adapter.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class StatusTest {

    /** Bodies from the reference table (metav1.Status as the generic apiserver writes it), byte for byte. */
    static Stream<Arguments> referenceBodies() {
        return Stream.of(
                Arguments.of(Status.notFound("the server could not find the metric queue_depth for namespaces"), 404,
                        "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
                                + "\"message\":\"the server could not find the metric queue_depth for namespaces\","
                                + "\"reason\":\"NotFound\",\"code\":404}"),
                Arguments.of(Status.badRequest("unable to parse requirement: found '', expected: ',' or ')'"), 400,
                        "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
                                + "\"message\":\"unable to parse requirement: found '', expected: ',' or ')'\","
                                + "\"reason\":\"BadRequest\",\"code\":400}"),
                Arguments.of(Status.internalError("unable to fetch metrics"), 500,
                        "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
                                + "\"message\":\"Internal error occurred: unable to fetch metrics\","
                                + "\"reason\":\"InternalError\","
                                + "\"details\":{\"causes\":[{\"message\":\"unable to fetch metrics\"}]},\"code\":500}"),
                Arguments.of(Status.forbiddenResource("system:anonymous", "list", "external.metrics.k8s.io",
                                "queue_depth", "default"), 403,
                        "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
                                + "\"message\":\"queue_depth.external.metrics.k8s.io is forbidden: User "
                                + "\\\"system:anonymous\\\" cannot list resource \\\"queue_depth\\\" in API group "
                                + "\\\"external.metrics.k8s.io\\\" in the namespace \\\"default\\\"\","
                                + "\"reason\":\"Forbidden\","
                                + "\"details\":{\"group\":\"external.metrics.k8s.io\",\"kind\":\"queue_depth\"},\"code\":403}"),
                Arguments.of(Status.unauthorized(), 401,
                        "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
                                + "\"message\":\"Unauthorized\",\"reason\":\"Unauthorized\",\"code\":401}"),
                Arguments.of(Status.serviceUnavailable("source rq is stale"), 503,
                        "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
                                + "\"message\":\"source rq is stale\",\"reason\":\"ServiceUnavailable\",\"code\":503}"),
                Arguments.of(Status.forbiddenPath("bob", "get", "/apis"), 403,
                        "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
                                + "\"message\":\"forbidden: User \\\"bob\\\" cannot get path \\\"/apis\\\"\","
                                + "\"reason\":\"Forbidden\",\"details\":{},\"code\":403}"));
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @MethodSource("referenceBodies")
    void encodesExactlyLikeTheApiserver(Status status, int code, String json) {
        assertThat(status.code()).isEqualTo(code);
        assertThat(status.toJson().encode()).isEqualTo(json);
    }

    @Test
    void clusterScopedForbiddenSaysSo() {
        assertThat(Status.forbiddenResource("u", "list", "external.metrics.k8s.io", "queue_ready", null).message())
                .endsWith("in API group \"external.metrics.k8s.io\" at the cluster scope");
    }

    @Test
    void methodNotAllowedIs405() {
        assertThat(Status.methodNotAllowed("POST").toJson().getString("reason")).isEqualTo("MethodNotAllowed");
        assertThat(Status.methodNotAllowed("POST").toJson().getInteger("code")).isEqualTo(405);
    }
}
