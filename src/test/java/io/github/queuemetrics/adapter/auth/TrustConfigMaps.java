package io.github.queuemetrics.adapter.auth;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.github.queuemetrics.adapter.testsupport.TestCertificates;
import io.vertx.core.json.JsonArray;
import java.util.List;

/** ConfigMap kube-system/extension-apiserver-authentication as kube-apiserver writes it. */
final class TrustConfigMaps {

    private TrustConfigMaps() {
    }

    static ConfigMap of(TestCertificates.Authority frontProxyCa, List<String> allowedNames,
                        TestCertificates.Authority clientCa) {
        return new ConfigMapBuilder().withNewMetadata().withNamespace(AuthSettings.NAMESPACE)
                .withName(AuthSettings.NAME).endMetadata()
                .addToData("client-ca-file", TestCertificates.pemOf(clientCa.certificate()))
                .addToData("requestheader-client-ca-file", TestCertificates.pemOf(frontProxyCa.certificate()))
                .addToData("requestheader-allowed-names", new JsonArray(allowedNames).encode())
                .addToData("requestheader-username-headers", "[\"X-Remote-User\"]")
                .addToData("requestheader-uid-headers", "[\"X-Remote-Uid\"]")
                .addToData("requestheader-group-headers", "[\"X-Remote-Group\"]")
                .addToData("requestheader-extra-headers-prefix", "[\"X-Remote-Extra-\"]")
                .build();
    }
}
