package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

const (
	benchNamespaces    = 20 // --pods are spread over this many namespaces (fewer for small counts)
	benchPodsPerDeploy = 50
	benchLabel         = "kubilitics.dev/bench"
)

func (c *cluster) setupRBACAndLogs(ctx context.Context, cs kubernetes.Interface) error {
	crb := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "kubilitics-readonly-view"},
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "view"},
		Subjects:   []rbacv1.Subject{{APIGroup: "rbac.authorization.k8s.io", Kind: "User", Name: "kubilitics-readonly"}},
	}
	if _, err := cs.RbacV1().ClusterRoleBindings().Create(ctx, crb, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("read-only binding: %w", err)
	}

	// Container logs for pods in "default" and the benchmark namespaces: KWOK serves this file
	// (CRI log format, as a kubelet's files are) for every container there.
	logFile := filepath.Join(c.work, "default-container.log")
	now := time.Now().UTC()
	var b strings.Builder
	for i, line := range []string{
		"starting server version=1.4.2",
		"loaded configuration from /etc/app/config.yaml",
		"listening on :8080",
		"GET /healthz 200 0.3ms",
	} {
		fmt.Fprintf(&b, "%s stdout F %s\n", now.Add(time.Duration(i)*time.Second).Format(time.RFC3339Nano), line)
	}
	if err := os.WriteFile(logFile, []byte(b.String()), 0o644); err != nil {
		return err
	}
	ns := []string{"default"}
	for i := 0; i < benchNamespaces; i++ {
		ns = append(ns, fmt.Sprintf("bench-%02d", i))
	}
	manifest := fmt.Sprintf(`apiVersion: kwok.x-k8s.io/v1alpha1
kind: ClusterLogs
metadata:
  name: kubilitics-default
spec:
  selector:
    matchNamespaces: [%s]
  logs:
  - logsFile: %q
    previousLogsFile: %q
`, strings.Join(ns, ", "), logFile, logFile)
	cmd := exec.CommandContext(ctx, c.opts.kubectl, "--kubeconfig", c.kubeconfigPath("admin"), "apply", "-f", "-")
	cmd.Stdin = strings.NewReader(manifest)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("default ClusterLogs: %w\n%s", err, out)
	}
	return nil
}

func nodeName(i int) string { return fmt.Sprintf("kwok-node-%d", i) }

// createNodes registers o.nodes Node objects that KWOK then keeps alive (status, lease) like
// kubelets would. Node i gets a zone label (3 zones) so spread constraints have something to see.
func createNodes(ctx context.Context, cs kubernetes.Interface, o upOptions) error {
	cpu, err := resource.ParseQuantity(o.nodeCPU)
	if err != nil {
		return fmt.Errorf("--node-cpu: %w", err)
	}
	mem, err := resource.ParseQuantity(o.nodeMemory)
	if err != nil {
		return fmt.Errorf("--node-memory: %w", err)
	}
	pods, err := resource.ParseQuantity(o.nodePods)
	if err != nil {
		return fmt.Errorf("--node-pods: %w", err)
	}
	extraLabels := map[string]string{}
	for _, l := range o.nodeLabels {
		k, v, ok := strings.Cut(l, "=")
		if !ok {
			return fmt.Errorf("--node-label %q: want KEY=VALUE", l)
		}
		extraLabels[k] = v
	}
	var taints []corev1.Taint
	for _, t := range o.nodeTaints {
		kv, effect, ok := strings.Cut(t, ":")
		if !ok {
			return fmt.Errorf("--node-taint %q: want KEY=VALUE:EFFECT", t)
		}
		k, v, _ := strings.Cut(kv, "=")
		taints = append(taints, corev1.Taint{Key: k, Value: v, Effect: corev1.TaintEffect(effect)})
	}
	resources := corev1.ResourceList{corev1.ResourceCPU: cpu, corev1.ResourceMemory: mem, corev1.ResourcePods: pods, corev1.ResourceEphemeralStorage: resource.MustParse("500Gi")}
	zones := []string{"zone-a", "zone-b", "zone-c"}

	return parallel(ctx, o.nodes, 16, func(i int) error {
		name := nodeName(i)
		labels := map[string]string{
			"kubernetes.io/hostname":           name,
			"kubernetes.io/os":                 "linux",
			"kubernetes.io/arch":               "amd64",
			"type":                             "kwok",
			"node.kubernetes.io/instance-type": "kwok-32x256",
			"topology.kubernetes.io/zone":      zones[i%len(zones)],
			"kubilitics.dev/node-pool":         "general",
		}
		for k, v := range extraLabels {
			labels[k] = v
		}
		node := &corev1.Node{
			ObjectMeta: metav1.ObjectMeta{
				Name:        name,
				Labels:      labels,
				Annotations: map[string]string{"kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0"},
			},
			Spec: corev1.NodeSpec{Taints: taints},
			Status: corev1.NodeStatus{
				Capacity:    resources,
				Allocatable: resources,
				NodeInfo: corev1.NodeSystemInfo{
					Architecture: "amd64", OperatingSystem: "linux", OSImage: "KWOK simulated node",
					KubeletVersion: "v1.36.3-kwok", ContainerRuntimeVersion: "kwok://v0.8.0",
				},
			},
		}
		_, err := cs.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{})
		if apierrors.IsAlreadyExists(err) {
			return nil
		}
		return err
	})
}

// parallel runs f(0..n-1) with at most workers at a time and returns the first error.
func parallel(ctx context.Context, n, workers int, f func(i int) error) error {
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	next := make(chan int)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := f(i); err != nil {
					once.Do(func() { first = err })
				}
			}
		}()
	}
	for i := 0; i < n; i++ {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	return first
}

func defaultSAExists(ctx context.Context, cs kubernetes.Interface) (bool, error) {
	if _, err := cs.CoreV1().Namespaces().Get(ctx, "default", metav1.GetOptions{}); err != nil {
		return false, err
	}
	if _, err := cs.CoreV1().ServiceAccounts("default").Get(ctx, "default", metav1.GetOptions{}); err != nil {
		return false, err
	}
	return true, nil
}

func readyNodes(ctx context.Context, cs kubernetes.Interface) (int, error) {
	list, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{ResourceVersion: "0"})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, node := range list.Items {
		for _, cond := range node.Status.Conditions {
			if cond.Type == corev1.NodeReady && cond.Status == corev1.ConditionTrue {
				n++
			}
		}
	}
	return n, nil
}

// createWorkloads creates total pods as Deployments of up to 50 replicas in up to 20 namespaces,
// so the controller-manager, scheduler and KWOK do the real work of creating and starting them.
func createWorkloads(ctx context.Context, cs kubernetes.Interface, total int) error {
	deploys := (total + benchPodsPerDeploy - 1) / benchPodsPerDeploy
	nsCount := benchNamespaces
	if deploys < nsCount {
		nsCount = deploys
	}
	for i := 0; i < nsCount; i++ {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("bench-%02d", i), Labels: map[string]string{benchLabel: "true"}}}
		if _, err := cs.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return err
		}
	}
	apps := []string{"api", "web", "worker", "cache", "auth", "billing", "search", "ingest", "notify", "report"}
	return parallel(ctx, deploys, 8, func(d int) error {
		replicas := int32(benchPodsPerDeploy)
		if rest := total - d*benchPodsPerDeploy; rest < benchPodsPerDeploy {
			replicas = int32(rest)
		}
		ns := fmt.Sprintf("bench-%02d", d%nsCount)
		name := fmt.Sprintf("%s-%03d", apps[d%len(apps)], d)
		labels := map[string]string{"app": name, benchLabel: "true"}
		dep := &appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: labels},
			Spec: appsv1.DeploymentSpec{
				Replicas: &replicas,
				Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}},
				Template: corev1.PodTemplateSpec{
					ObjectMeta: metav1.ObjectMeta{Labels: labels},
					Spec: corev1.PodSpec{
						Containers: []corev1.Container{{
							Name:  "app",
							Image: "registry.example.com/kubilitics/" + apps[d%len(apps)] + ":1.0.0",
							Resources: corev1.ResourceRequirements{
								Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("10m"), corev1.ResourceMemory: resource.MustParse("16Mi")},
								Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("64Mi")},
							},
							Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}},
						}},
					},
				},
			},
		}
		_, err := cs.AppsV1().Deployments(ns).Create(ctx, dep, metav1.CreateOptions{})
		if apierrors.IsAlreadyExists(err) {
			return nil
		}
		return err
	})
}

// readyBenchPods counts the bench pods that are Running and Ready, from their Deployments'
// status (the Deployment controller keeps readyReplicas): listing 50,000 pods every few seconds
// to count them would itself load the apiserver more than anything it waits for.
func readyBenchPods(ctx context.Context, cs kubernetes.Interface) (int, error) {
	list, err := cs.AppsV1().Deployments("").List(ctx, metav1.ListOptions{
		ResourceVersion: "0", // from the watch cache
		LabelSelector:   benchLabel + "=true",
	})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, d := range list.Items {
		n += int(d.Status.ReadyReplicas)
	}
	return n, nil
}

// readyBenchPodsByList counts the bench pods whose containers are ready, from the pods
// themselves. up uses it only when the Deployments' readyReplicas stop moving short of the
// target: under load (load average ~20) the 1.36 ReplicaSet controller was seen dropping status
// updates ("read version ... is not as new as written version") and leaving readyReplicas behind
// for good, while every pod was Ready.
func readyBenchPodsByList(ctx context.Context, cs kubernetes.Interface) (int, error) {
	list, err := cs.CoreV1().Pods("").List(ctx, metav1.ListOptions{
		ResourceVersion: "0", // from the watch cache
		LabelSelector:   benchLabel + "=true",
	})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, p := range list.Items {
		for _, c := range p.Status.Conditions {
			// ContainersReady, not Ready: when KWOK's lease renewals lag on a loaded machine the
			// node controller marks the node's pods not Ready, and unlike a kubelet KWOK never
			// sets Ready again once the node is back (seen at 10,000 pods: 30 pods Running with
			// ready containers and Ready=False for good, so up waited out its timeout).
			if c.Type == corev1.ContainersReady && c.Status == corev1.ConditionTrue {
				n++
				break
			}
		}
	}
	return n, nil
}
