package io.github.queuemetrics.adapter.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.github.queuemetrics.adapter.testsupport.AdapterJar;
import io.github.queuemetrics.adapter.testsupport.Brokers;
import io.github.queuemetrics.adapter.testsupport.TestCertificates;
import io.github.queuemetrics.adapter.testsupport.TestCertificates.Authority;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged jar with {@code --authentication delegated --kubeconfig <fabric8 mock server>}, end
 * to end: the trust ConfigMap, TokenReview and SubjectAccessReview come from the mock server; an
 * RQ source on Redis (read only, an absent queue: its value is 0) restricted to namespace
 * {@code workers}.
 */
@EnableKubernetesMockClient(crud = true)
class DelegatedAuthIT {

    static final String METRIC = "/apis/external.metrics.k8s.io/v1beta1/namespaces/%s/queue_ready"
            + "?labelSelector=source%%3Di8-auth";
    static final Authority FRONT_PROXY_CA = TestCertificates.authority("front-proxy-ca");
    static final Authority CLIENT_CA = TestCertificates.authority("kubernetes-ca");
    static final String[] HPA_HEADERS = {"X-Remote-User", "system:serviceaccount:kube-system:horizontal-pod-autoscaler",
            "X-Remote-Group", "system:serviceaccounts"};

    static KubernetesMockServer server;
    static KubernetesClient client;
    static ReviewExpectations reviews;

    @TempDir
    Path dir;

    @BeforeAll
    static void apiServer() {
        reviews = ReviewExpectations.install(server);
        client.configMaps().inNamespace(AuthSettings.NAMESPACE)
                .resource(TrustConfigMaps.of(FRONT_PROXY_CA, List.of("front-proxy-client"), CLIENT_CA))
                .createOr(NonDeletingOperation::update);
    }

    String config() {
        return """
                sources:
                  - name: i8-auth
                    type: rq
                    uri: %s
                    queues: [i8-auth-absent]
                    namespaces: [workers]
                """.formatted(Brokers.redisUri(14));
    }

    @Test
    void theJarAuthenticatesAuthorizesAndHidesOtherNamespacesSources() throws Exception {
        reviews.clear();
        reviews.denied.add("system:anonymous");
        String token = "eyJhbGciOiJSUzI1NiJ9.it-secret-token";
        reviews.tokens.put(token, List.of("dave", "devs"));
        try (AdapterJar adapter = AdapterJar.start(dir, config(), "--authentication", "delegated",
                "--kubeconfig", ReviewExpectations.kubeconfig(server).toString())) {
            SSLContext frontProxy = TestCertificates.client(FRONT_PROXY_CA, "front-proxy-client").clientContext();
            SSLContext none = TestCertificates.anonymousClientContext();

            HttpResponse<String> ok = get(adapter, frontProxy, METRIC.formatted("workers"), HPA_HEADERS);
            assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
            assertThat(new JsonObject(ok.body()).getJsonArray("items")).hasSize(1);
            assertThat(reviews.lastAccessReviewSpec().getString("user"))
                    .isEqualTo("system:serviceaccount:kube-system:horizontal-pod-autoscaler");
            assertThat(reviews.lastAccessReviewSpec().getJsonObject("resourceAttributes").getString("namespace"))
                    .isEqualTo("workers");

            // Authorized, but the source is not for this namespace: as if it did not exist.
            HttpResponse<String> elsewhere = get(adapter, frontProxy, METRIC.formatted("other"), HPA_HEADERS);
            assertThat(elsewhere.statusCode()).as(elsewhere.body()).isEqualTo(404);
            assertThat(elsewhere.body()).doesNotContain("i8-auth-absent");

            // The same headers without the front proxy's certificate: anonymous, denied.
            HttpResponse<String> forged = get(adapter, none, METRIC.formatted("workers"), HPA_HEADERS);
            assertThat(forged.statusCode()).as(forged.body()).isEqualTo(403);
            assertThat(new JsonObject(forged.body()).getString("reason")).isEqualTo("Forbidden");
            assertThat(reviews.lastAccessReviewSpec().getString("user")).isEqualTo("system:anonymous");

            assertThat(get(adapter, none, METRIC.formatted("workers"), "Authorization", "Bearer " + token)
                    .statusCode()).isEqualTo(200);
            assertThat(get(adapter, none, METRIC.formatted("workers"), "Authorization", "Bearer not-" + token)
                    .statusCode()).isEqualTo(401);
            assertThat(get(adapter, none, "/readyz").statusCode()).isEqualTo(200);

            HttpResponse<String> ready = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    adapter.managementUri("/readyz")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(ready.body()).doesNotContain("authentication is off");
            assertThat(adapter.log()).contains("delegated authentication: Kubernetes API")
                    .doesNotContain("secret-token").doesNotContain("AUTHENTICATION IS OFF");
        }
    }

    @Test
    void withoutAuthenticationItSaysSoAtStartAndOnReadyz() throws Exception {
        try (AdapterJar adapter = AdapterJar.start(dir, config(), "--authentication", "none")) {
            HttpResponse<String> ready = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    adapter.managementUri("/readyz")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(ready.statusCode()).isEqualTo(200);
            assertThat(ready.body()).contains("[!]authentication is off (--authentication none)");
            assertThat(get(adapter, TestCertificates.anonymousClientContext(), "/readyz").body())
                    .contains("[!]authentication is off (--authentication none)");
            assertThat(adapter.log()).containsPattern("WARN .*AUTHENTICATION IS OFF");
        }
    }

    static HttpResponse<String> get(AdapterJar adapter, SSLContext tls, String path, String... headers)
            throws Exception {
        HttpClient http = HttpClient.newBuilder().sslContext(tls).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("https://localhost:" + adapter.securePort()
                + path)).timeout(Duration.ofSeconds(10));
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
