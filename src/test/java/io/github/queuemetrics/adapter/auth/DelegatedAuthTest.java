package io.github.queuemetrics.adapter.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.github.queuemetrics.adapter.api.ExternalMetricsRouter;
import io.github.queuemetrics.adapter.store.MetricStore;
import io.github.queuemetrics.adapter.testsupport.TestCertificates;
import io.github.queuemetrics.adapter.testsupport.TestCertificates.Authority;
import io.github.queuemetrics.adapter.tls.SecureServer;
import io.github.queuemetrics.adapter.tls.TlsOptions;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The secure router with the delegated guard, over real TLS with client certificates made here,
 * against fabric8's mock API server (the trust ConfigMap in its CRUD store, TokenReview and
 * SubjectAccessReview answered by {@link ReviewExpectations}).
 */
@EnableKubernetesMockClient(crud = true)
class DelegatedAuthTest {

    static final String DISCOVERY = "/apis/external.metrics.k8s.io/v1beta1";
    static final String METRIC = "/apis/external.metrics.k8s.io/v1beta1/namespaces/workers/queue_outstanding";
    static final Authority FRONT_PROXY_CA = TestCertificates.authority("front-proxy-ca");
    static final Authority CLIENT_CA = TestCertificates.authority("kubernetes-ca");
    static final Authority WRONG_CA = TestCertificates.authority("someone-else");
    static final SSLContext FRONT_PROXY = TestCertificates.client(FRONT_PROXY_CA, "front-proxy-client").clientContext();

    static KubernetesMockServer server;
    static KubernetesClient client;
    static ReviewExpectations reviews;

    Vertx vertx;
    DelegatedAuth auth;
    HttpServer https;

    @BeforeAll
    static void expectations() {
        reviews = ReviewExpectations.install(server);
    }

    @BeforeEach
    void start() throws Exception {
        reviews.clear();
        trust(List.of("front-proxy-client"));
        vertx = Vertx.vertx();
        WorkerExecutor pool = vertx.createSharedWorkerExecutor("auth-test-pool", 2);
        auth = DelegatedAuth.start(vertx, pool, Optional.of(ReviewExpectations.kubeconfig(server)), Duration.ofMillis(300))
                .await(20, TimeUnit.SECONDS);
        https = SecureServer.start(vertx, ExternalMetricsRouter.create(vertx, new MetricStore(List.of(),
                Clock.systemUTC()), auth.guard()), 0, TlsOptions.selfSigned(List.of())).await(20, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() throws Exception {
        if (auth != null) {
            auth.close();
        }
        vertx.close().await(20, TimeUnit.SECONDS);
    }

    static void trust(List<String> allowedNames) {
        client.configMaps().inNamespace(AuthSettings.NAMESPACE)
                .resource(TrustConfigMaps.of(FRONT_PROXY_CA, allowedNames, CLIENT_CA))
                .createOr(NonDeletingOperation::update);
    }

    HttpResponse<String> get(SSLContext tls, String path, String... headers) throws Exception {
        return send(tls, "GET", path, headers);
    }

    HttpResponse<String> send(SSLContext tls, String method, String path, String... headers) throws Exception {
        HttpClient http = HttpClient.newBuilder().sslContext(tls).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("https://localhost:" + https.actualPort() + path))
                .timeout(Duration.ofSeconds(10)).method(method, HttpRequest.BodyPublishers.noBody());
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    static final String[] HPA_HEADERS = {"X-Remote-User", "system:serviceaccount:kube-system:horizontal-pod-autoscaler",
            "X-Remote-Group", "system:serviceaccounts", "X-Remote-Group", "system:serviceaccounts:kube-system",
            "X-Remote-Extra-Authentication.kubernetes.io%2fcredential-Id", "JTI=abc"};

    @Test
    void theFrontProxysHeadersAreTrustedAndTheirUserIsReviewed() throws Exception {
        HttpResponse<String> r = get(FRONT_PROXY, DISCOVERY, HPA_HEADERS);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonObject spec = reviews.lastAccessReviewSpec();
        assertThat(spec.getString("user")).isEqualTo("system:serviceaccount:kube-system:horizontal-pod-autoscaler");
        assertThat(spec.getJsonArray("groups")).containsExactly("system:serviceaccounts",
                "system:serviceaccounts:kube-system", "system:authenticated");
        assertThat(spec.getJsonObject("extra").getJsonArray("authentication.kubernetes.io/credential-id"))
                .containsExactly("JTI=abc");
        assertThat(spec.getJsonObject("nonResourceAttributes"))
                .isEqualTo(new JsonObject().put("path", DISCOVERY).put("verb", "get"));
    }

    @Test
    void aMetricRequestIsReviewedAsListOfTheMetricInItsNamespace() throws Exception {
        HttpResponse<String> r = get(FRONT_PROXY, METRIC, HPA_HEADERS);
        // Through the guard: the (empty) store answers.
        assertThat(r.statusCode()).as(r.body()).isEqualTo(404);
        assertThat(reviews.lastAccessReviewSpec().getJsonObject("resourceAttributes")).isEqualTo(new JsonObject()
                .put("namespace", "workers").put("verb", "list").put("group", "external.metrics.k8s.io")
                .put("version", "v1beta1").put("resource", "queue_outstanding"));
    }

    @Test
    void allowedAnswersAreCached() throws Exception {
        assertThat(get(FRONT_PROXY, DISCOVERY, HPA_HEADERS).statusCode()).isEqualTo(200);
        assertThat(get(FRONT_PROXY, DISCOVERY, HPA_HEADERS).statusCode()).isEqualTo(200);
        assertThat(reviews.accessReviews).hasSize(1);
    }

    @Test
    void concurrentRequestsWithAColdCacheShareOneReview() throws Exception {
        // The HPA's requests arrive together when the cached answer expires: one review answers them all.
        reviews.accessReviewDelayMillis = 300;
        HttpClient http = HttpClient.newBuilder().sslContext(FRONT_PROXY).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create("https://localhost:" + https.actualPort()
                + DISCOVERY)).timeout(Duration.ofSeconds(10));
        for (int i = 0; i < HPA_HEADERS.length; i += 2) {
            builder.header(HPA_HEADERS[i], HPA_HEADERS[i + 1]);
        }
        List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> answers = new java.util.ArrayList<>();
        for (int i = 0; i < 8; i++) {
            answers.add(http.sendAsync(builder.build(), HttpResponse.BodyHandlers.ofString()));
        }
        for (var answer : answers) {
            assertThat(answer.get(15, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        }
        assertThat(reviews.accessReviews).hasSize(1);
    }

    @Test
    void anAllowedAnswerInUseIsRenewedBeforeItExpiresSoNoRequestWaitsForAReview() throws Exception {
        AtomicLong now = new AtomicLong();
        WorkerExecutor onePool = vertx.createSharedWorkerExecutor("renew-test", 1);
        AccessReviewer reviewer = new AccessReviewer(client, onePool, now::get);
        UserInfo hpa = new UserInfo("system:serviceaccount:kube-system:horizontal-pod-autoscaler", "",
                List.of(UserInfo.AUTHENTICATED), Map.of());
        RequestAttributes metric = RequestAttributes.of("GET", METRIC);
        assertThat(reviewer.review(hpa, metric).await(10, TimeUnit.SECONDS).allowed()).isTrue();
        assertThat(reviews.accessReviews).hasSize(1);
        long renewFrom = AccessReviewer.ALLOWED_TTL.minus(AccessReviewer.RENEW_BEFORE).toNanos();
        now.set(renewFrom - 1_000_000);
        assertThat(reviewer.review(hpa, metric).isComplete()).isTrue();
        assertThat(reviews.accessReviews).hasSize(1);
        // In its last RENEW_BEFORE: answered from the cache at once, and one review renews it.
        now.set(renewFrom + 1_000_000);
        assertThat(reviewer.review(hpa, metric).isComplete()).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> reviews.accessReviews.size() == 2);
        // Past the first answer's expiry, the renewed one answers: no request waits for a review.
        now.set(AccessReviewer.ALLOWED_TTL.toNanos() + 1_000_000);
        // The renewal's answer goes into the cache on the pool's one thread: once a task after it ran.
        onePool.executeBlocking(() -> null).await(10, TimeUnit.SECONDS);
        var answer = reviewer.review(hpa, metric);
        assertThat(answer.isComplete()).as("answered without a review").isTrue();
        assertThat(answer.result().allowed()).isTrue();
        assertThat(reviews.accessReviews).hasSize(2);
    }

    @Test
    void theAggregatorsUserWithoutGroupsGetsSystemAuthenticated() throws Exception {
        assertThat(get(FRONT_PROXY, "/apis", "X-Remote-User", "system:kube-aggregator").statusCode()).isEqualTo(200);
        assertThat(reviews.lastAccessReviewSpec().getJsonArray("groups")).containsExactly("system:authenticated");
    }

    @Test
    void aCertificateFromAnotherCaWithTheAllowedNameIsUnauthorized() throws Exception {
        SSLContext impostor = TestCertificates.client(WRONG_CA, "front-proxy-client").clientContext();
        HttpResponse<String> r = get(impostor, DISCOVERY, HPA_HEADERS);
        assertUnauthorized(r);
        assertThat(reviews.accessReviews).isEmpty();
    }

    @Test
    void theFrontProxyCaWithANameNotAllowedIsUnauthorized() throws Exception {
        SSLContext other = TestCertificates.client(FRONT_PROXY_CA, "not-the-proxy").clientContext();
        assertUnauthorized(get(other, DISCOVERY, HPA_HEADERS));
        assertThat(reviews.accessReviews).isEmpty();
    }

    @Test
    void anyNameOfTheFrontProxyCaIsTrustedWhenNoneIsListed() throws Exception {
        trust(List.of());
        SSLContext other = TestCertificates.client(FRONT_PROXY_CA, "another-proxy").clientContext();
        await().atMost(Duration.ofSeconds(10)).until(() -> get(other, DISCOVERY, HPA_HEADERS).statusCode() == 200);
    }

    @Test
    void headersWithoutACertificateAreIgnoredAndAnAnonymousDenialIs403() throws Exception {
        reviews.denied.add("system:anonymous");
        HttpResponse<String> r = get(TestCertificates.anonymousClientContext(), METRIC, HPA_HEADERS);
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
        JsonObject status = new JsonObject(r.body());
        assertThat(status.getString("kind")).isEqualTo("Status");
        assertThat(status.getString("status")).isEqualTo("Failure");
        assertThat(status.getString("reason")).isEqualTo("Forbidden");
        assertThat(status.getInteger("code")).isEqualTo(403);
        assertThat(status.getString("message")).isEqualTo("queue_outstanding.external.metrics.k8s.io is forbidden: "
                + "User \"system:anonymous\" cannot list resource \"queue_outstanding\" in API group "
                + "\"external.metrics.k8s.io\" in the namespace \"workers\": " + ReviewExpectations.DENIAL_REASON);
        JsonObject spec = reviews.lastAccessReviewSpec();
        assertThat(spec.getString("user")).isEqualTo("system:anonymous");
        assertThat(spec.getJsonArray("groups")).containsExactly("system:unauthenticated");
        assertThat(spec.containsKey("extra")).isFalse();
    }

    @Test
    void aClientCertificateIsItsCnWithItsOrganizationsAsGroups() throws Exception {
        SSLContext bob = TestCertificates.client(CLIENT_CA, "bob", "team-a", "team-b").clientContext();
        assertThat(get(bob, DISCOVERY).statusCode()).isEqualTo(200);
        JsonObject spec = reviews.lastAccessReviewSpec();
        assertThat(spec.getString("user")).isEqualTo("bob");
        assertThat(spec.getJsonArray("groups")).containsExactly("team-a", "team-b", "system:authenticated");
    }

    @Test
    void aClientCertificateDoesNotMakeItsHeadersTrusted() throws Exception {
        SSLContext bob = TestCertificates.client(CLIENT_CA, "bob").clientContext();
        assertThat(get(bob, DISCOVERY, HPA_HEADERS).statusCode()).isEqualTo(200);
        assertThat(reviews.lastAccessReviewSpec().getString("user")).isEqualTo("bob");
    }

    @Test
    void systemMastersSkipsTheReview() throws Exception {
        SSLContext admin = TestCertificates.client(CLIENT_CA, "admin", "system:masters").clientContext();
        assertThat(get(admin, DISCOVERY).statusCode()).isEqualTo(200);
        assertThat(reviews.accessReviews).isEmpty();
    }

    @Test
    void bearerTokensAreReviewedCachedAndNeverLogged() throws Exception {
        String good = "eyJhbGciOiJSUzI1NiJ9.good-secret-token";
        String bad = "eyJhbGciOiJSUzI1NiJ9.bad-secret-token";
        reviews.tokens.put(good, List.of("carol", "devs"));
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true));
        try {
            SSLContext none = TestCertificates.anonymousClientContext();
            assertThat(get(none, DISCOVERY, "Authorization", "Bearer " + good).statusCode()).isEqualTo(200);
            assertThat(get(none, DISCOVERY, "Authorization", "Bearer " + good).statusCode()).isEqualTo(200);
            assertUnauthorized(get(none, DISCOVERY, "Authorization", "Bearer " + bad));
            reviews.denied.add("carol");
            // Still allowed from the cache: the review is not asked again within its TTL.
            assertThat(get(none, DISCOVERY, "Authorization", "Bearer " + good).statusCode()).isEqualTo(200);
        } finally {
            System.setErr(err);
        }
        assertThat(reviews.tokenReviews).hasSize(2);
        assertThat(reviews.tokenReviews.get(0).getJsonObject("spec").getString("token")).isEqualTo(good);
        JsonObject spec = reviews.lastAccessReviewSpec();
        assertThat(spec.getString("user")).isEqualTo("carol");
        assertThat(spec.getString("uid")).isEqualTo("uid-carol");
        assertThat(spec.getJsonArray("groups")).containsExactly("devs", "system:authenticated");
        assertThat(reviews.accessReviews).hasSize(1);
        assertThat(captured.toString()).doesNotContain("secret-token");
    }

    @Test
    void thePreStopHookIsForThePodItselfOrWhoeverMayDeleteIt() throws Exception {
        reviews.tokens.put("token-of-wk-0", List.of("system:serviceaccount:workers:celery", "system:serviceaccounts"));
        reviews.podOfToken.put("token-of-wk-0", "wk-0");
        reviews.denied.add("system:serviceaccount:workers:celery");
        SSLContext none = TestCertificates.anonymousClientContext();
        // Through the guard without a review (no hook is mounted on this router: 404).
        assertThat(send(none, "POST", "/hooks/pre-stop/workers/wk-0", "Authorization", "Bearer token-of-wk-0")
                .statusCode()).isEqualTo(404);
        assertThat(reviews.accessReviews).isEmpty();

        HttpResponse<String> other = send(none, "POST", "/hooks/pre-stop/workers/wk-1",
                "Authorization", "Bearer token-of-wk-0");
        assertThat(other.statusCode()).as(other.body()).isEqualTo(403);
        assertThat(new JsonObject(other.body()).getString("message")).isEqualTo("pods is forbidden: User "
                + "\"system:serviceaccount:workers:celery\" cannot delete resource \"pods\" in API group \"\" in the "
                + "namespace \"workers\": " + ReviewExpectations.DENIAL_REASON);
        assertThat(reviews.lastAccessReviewSpec().getJsonObject("resourceAttributes")).isEqualTo(new JsonObject()
                .put("namespace", "workers").put("verb", "delete").put("group", "").put("version", "v1")
                .put("resource", "pods").put("name", "wk-1"));

        SSLContext admin = TestCertificates.client(CLIENT_CA, "operator").clientContext();
        assertThat(send(admin, "POST", "/hooks/pre-stop/workers/wk-1").statusCode()).isEqualTo(404);
    }

    @Test
    void healthPathsStayOpen() throws Exception {
        for (String path : List.of("/healthz", "/livez", "/readyz")) {
            assertThat(get(TestCertificates.anonymousClientContext(), path).statusCode()).as(path).isEqualTo(200);
        }
        assertThat(reviews.accessReviews).isEmpty();
    }

    @Test
    void aChangedConfigMapTakesEffectWithoutARestart() throws Exception {
        assertThat(get(FRONT_PROXY, DISCOVERY, HPA_HEADERS).statusCode()).isEqualTo(200);
        trust(List.of("the-new-proxy"));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertUnauthorized(get(FRONT_PROXY, DISCOVERY,
                HPA_HEADERS)));
        SSLContext newProxy = TestCertificates.client(FRONT_PROXY_CA, "the-new-proxy").clientContext();
        assertThat(get(newProxy, DISCOVERY, HPA_HEADERS).statusCode()).isEqualTo(200);
    }

    static void assertUnauthorized(HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(401);
        assertThat(new JsonObject(r.body())).isEqualTo(new JsonObject().put("kind", "Status").put("apiVersion", "v1")
                .put("metadata", new JsonObject()).put("status", "Failure").put("message", "Unauthorized")
                .put("reason", "Unauthorized").put("code", 401));
    }
}
