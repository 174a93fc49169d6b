/**
 * The pre-scale-down hook: a validating admission webhook on the {@code /scale} subresource that
 * the HPA's {@code PUT .../scale} passes through. For a scale-down of a guarded StatefulSet it
 * drains the workers of the pods that will go (Celery {@code cancel_consumer}), marks the pods with
 * annotations (state on the pods, so another adapter replica continues) and denies the update,
 * naming each victim and what it still runs, until they are idle or {@code drainTimeout} has passed.
 * The HPA asks again every 15 s. For a Deployment it first chooses the cheapest pods and sets their
 * {@code controller.kubernetes.io/pod-deletion-cost} lowest.
 *
 * <p>The HTTP layer calls one interface, {@link io.github.queuemetrics.adapter.scaledown.ScaleDownHook}.
 * Everything fails open: an internal failure allows the scale, logged and counted, because a broken
 * adapter must never block scaling.
 *
 * <p>Seams: {@link io.github.queuemetrics.adapter.scaledown.WorkloadCluster} (Kubernetes: fabric8,
 * blocking, on the worker pool), {@link io.github.queuemetrics.adapter.scaledown.WorkerControl}
 * (the workers: Celery remote control), {@link io.github.queuemetrics.adapter.scaledown.StatefulSetReviewer}
 * and {@link io.github.queuemetrics.adapter.scaledown.DeploymentReviewer} (the decisions; the part
 * they share is {@link io.github.queuemetrics.adapter.scaledown.VictimDrain}), {@link io.github.queuemetrics.adapter.scaledown.StaleDrainSweeper} (undo of drains
 * no scale-down asks for any more).
 *
 * <p>Authentication: the route is mounted on the secure router after the delegated authentication
 * guard, which lets {@code /admission/scale} through unchecked: the API server calls webhooks
 * without front-proxy headers and, unless its AdmissionConfiguration gives it a client certificate,
 * without credentials. TLS and a NetworkPolicy protect it (README, Security).
 *
 * <p>{@code POST /hooks/pre-stop/{namespace}/{pod}} ({@link io.github.queuemetrics.adapter.scaledown.PreStopHandler},
 * {@link io.github.queuemetrics.adapter.scaledown.PreStopService}, {@link io.github.queuemetrics.adapter.scaledown.PodDrain})
 * drains one terminating pod the same way and long-polls until it is idle; who may call it is the
 * {@link io.github.queuemetrics.adapter.scaledown.PreStopAuthorizer} seam. The sweeper runs only on
 * the replica holding the {@link io.github.queuemetrics.adapter.scaledown.SweepLease}.
 *
 * <p>Reads: {@link io.github.queuemetrics.adapter.scaledown.WorkloadInformers} (watches, with a GET/LIST
 * fallback). Broker round trips: {@link io.github.queuemetrics.adapter.scaledown.WorkerChecks} runs a
 * review's questions to the workers in the background and answers from an earlier check where that
 * is safe (it would allow, and its drain and worker still stand).
 */
package io.github.queuemetrics.adapter.scaledown;
