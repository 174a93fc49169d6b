package io.github.queuemetrics.adapter.testsupport;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;
import java.util.Map;

/**
 * A StatefulSet or Deployment of worker pods in fabric8's mock API server (CRUD mode), shared by
 * {@link HpaSyncLoop} (which writes {@code spec.replicas}) and {@link KubeletSimulator} (which keeps
 * the pods). Its pods carry the label {@code app=<name>}.
 */
public record SimulatedWorkload(Kind kind, String namespace, String name) {

    public enum Kind {
        STATEFUL_SET("StatefulSet", "statefulsets"), DEPLOYMENT("Deployment", "deployments");

        private final String kindName;
        private final String resource;

        Kind(String kindName, String resource) {
            this.kindName = kindName;
            this.resource = resource;
        }

        /** The name in {@code kind:} and in the adapter's {@code scaleDown.workloads}. */
        public String kindName() {
            return kindName;
        }

        /** The resource of the AdmissionReview, whose subresource is {@code scale}. */
        public String resource() {
            return resource;
        }
    }

    static final String DELETION_COST = "controller.kubernetes.io/pod-deletion-cost";

    public Map<String, String> labels() {
        return Map.of("app", name);
    }

    /** Creates the workload with {@code replicas} and no pods (the kubelet makes them). */
    public void create(KubernetesClient client, int replicas) {
        if (kind == Kind.STATEFUL_SET) {
            client.apps().statefulSets().inNamespace(namespace).resource(new StatefulSetBuilder()
                    .withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
                    .withNewSpec().withReplicas(replicas).withServiceName(name)
                    .withPodManagementPolicy("Parallel")
                    .withNewSelector().addToMatchLabels(labels()).endSelector()
                    .endSpec().build()).create();
        } else {
            client.apps().deployments().inNamespace(namespace).resource(new DeploymentBuilder()
                    .withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
                    .withNewSpec().withReplicas(replicas).withNewSelector().addToMatchLabels(labels()).endSelector()
                    .endSpec().build()).create();
        }
    }

    /** {@code spec.replicas}. */
    public int replicas(KubernetesClient client) {
        Integer replicas = kind == Kind.STATEFUL_SET
                ? client.apps().statefulSets().inNamespace(namespace).withName(name).get().getSpec().getReplicas()
                : client.apps().deployments().inNamespace(namespace).withName(name).get().getSpec().getReplicas();
        return replicas == null ? 1 : replicas;
    }

    /** Writes {@code spec.replicas}, as the API server does once the scale update was admitted. */
    public void scale(KubernetesClient client, int replicas) {
        if (kind == Kind.STATEFUL_SET) {
            client.apps().statefulSets().inNamespace(namespace).withName(name).edit(s -> {
                s.getSpec().setReplicas(replicas);
                return s;
            });
        } else {
            client.apps().deployments().inNamespace(namespace).withName(name).edit(d -> {
                d.getSpec().setReplicas(replicas);
                return d;
            });
        }
    }

    /** The workload's pods as the API server has them. */
    public List<Pod> pods(KubernetesClient client) {
        return client.pods().inNamespace(namespace).withLabels(labels()).list().getItems();
    }

    /** phase Running and condition Ready=True, as the HPA counts ready pods. */
    public static boolean ready(Pod pod) {
        if (pod.getStatus() == null || !"Running".equals(pod.getStatus().getPhase())
                || pod.getStatus().getConditions() == null) {
            return false;
        }
        for (PodCondition c : pod.getStatus().getConditions()) {
            if ("Ready".equals(c.getType())) {
                return "True".equals(c.getStatus());
            }
        }
        return false;
    }

    /** GetDeletionCostFromPodAnnotations: an int32, anything else counts as 0. */
    static int deletionCost(Pod pod) {
        if (pod == null || pod.getMetadata().getAnnotations() == null) {
            return 0;
        }
        String value = pod.getMetadata().getAnnotations().get(DELETION_COST);
        if (value == null || !value.matches("-?(0|[1-9][0-9]*)")) {
            return 0;
        }
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
