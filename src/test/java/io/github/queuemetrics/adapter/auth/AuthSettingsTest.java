package io.github.queuemetrics.adapter.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.queuemetrics.adapter.testsupport.TestCertificates;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The ConfigMap's data, what a request is in review terms, and how long answers are kept. */
class AuthSettingsTest {

    @Test
    void readsTheConfigMapAsKubeApiserverWritesIt() {
        TestCertificates.Authority proxy = TestCertificates.authority("front-proxy-ca");
        TestCertificates.Authority cluster = TestCertificates.authority("kubernetes");
        AuthSettings s = AuthSettings.fromConfigMap(TrustConfigMaps.of(proxy, List.of("front-proxy-client"), cluster)
                .getData());
        assertThat(s.requestHeaderCas()).containsExactly(proxy.certificate());
        assertThat(s.clientCas()).containsExactly(cluster.certificate());
        assertThat(s.allowedNames()).containsExactly("front-proxy-client");
        assertThat(s.usernameHeaders()).containsExactly("X-Remote-User");
        assertThat(s.groupHeaders()).containsExactly("X-Remote-Group");
        assertThat(s.extraPrefixes()).containsExactly("X-Remote-Extra-");
        assertThat(s.requestHeaderEnabled()).isTrue();
    }

    @Test
    void withoutTheRequestHeaderKeysNoHeaderIsTrusted() {
        AuthSettings s = AuthSettings.fromConfigMap(Map.of("client-ca-file",
                TestCertificates.pemOf(TestCertificates.authority("k").certificate())));
        assertThat(s.requestHeaderEnabled()).isFalse();
        assertThat(AuthSettings.fromConfigMap(null)).isEqualTo(AuthSettings.EMPTY);
    }

    @Test
    void aValueThatDoesNotParseNamesItsKey() {
        assertThatThrownBy(() -> AuthSettings.fromConfigMap(Map.of("requestheader-client-ca-file", "not a pem")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("requestheader-client-ca-file");
        assertThatThrownBy(() -> AuthSettings.fromConfigMap(Map.of("requestheader-allowed-names", "front-proxy")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("requestheader-allowed-names");
        assertThatThrownBy(() -> AuthSettings.fromConfigMap(Map.of("requestheader-group-headers", "[1]")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("requestheader-group-headers");
    }

    @Test
    void aMetricRequestIsAListOfTheMetricInItsNamespaceAndTheRestAreNonResourceRequests() {
        assertThat(RequestAttributes.of("GET", "/apis/external.metrics.k8s.io/v1beta1/namespaces/my-ns/queue_ready"))
                .isEqualTo(new RequestAttributes("list", "/apis/external.metrics.k8s.io/v1beta1/namespaces/my-ns/"
                        + "queue_ready", "my-ns", "queue_ready", "external.metrics.k8s.io", null));
        assertThat(RequestAttributes.of("GET", "/apis/external.metrics.k8s.io/v1beta1/namespaces/a%2Db/m").namespace())
                .isEqualTo("a-b");
        assertThat(RequestAttributes.of("GET", "/apis/external.metrics.k8s.io/v1beta1"))
                .isEqualTo(new RequestAttributes("get", "/apis/external.metrics.k8s.io/v1beta1", null, null, null, null));
        assertThat(RequestAttributes.of("POST", "/hooks/pre-stop/workers/wk-0"))
                .isEqualTo(new RequestAttributes("post", "/hooks/pre-stop/workers/wk-0", null, null, null, null));
        assertThat(RequestAttributes.of("GET", "/apis/external.metrics.k8s.io/v1beta1/namespaces/ns/m/extra")
                .isResourceRequest()).isFalse();
    }

    @Test
    void cachedAnswersExpire() {
        AtomicLong now = new AtomicLong();
        ExpiringCache<String, String> cache = new ExpiringCache<>(now::get);
        cache.put("allowed", "yes", Duration.ofSeconds(10));
        cache.put("denied", "no", Duration.ofSeconds(5));
        now.addAndGet(Duration.ofSeconds(6).toNanos());
        assertThat(cache.get("allowed")).isEqualTo("yes");
        assertThat(cache.get("denied")).isNull();
        now.addAndGet(Duration.ofSeconds(4).toNanos());
        assertThat(cache.get("allowed")).isNull();
        assertThat(AccessReviewer.DENIED_TTL).isLessThan(AccessReviewer.ALLOWED_TTL);
    }
}
