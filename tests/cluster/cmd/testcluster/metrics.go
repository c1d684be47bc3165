package main

// metrics-api: the resource metrics API (metrics.k8s.io/v1beta1) that metrics-server serves in a
// real cluster, registered with the kube-apiserver's aggregator as an APIService. It is ours, not
// metrics-server: metrics-server scrapes `https://<node InternalIP>:<kubelet port>/metrics/resource`,
// and here every simulated node shares KWOK's one address, where KWOK serves each node's kubelet
// resource metrics at `/metrics/nodes/<node>/metrics/resource` instead. So this does what
// metrics-server does with that one difference of address: every period it scrapes each node's
// kubelet resource metrics (KWOK computes them from the pods' usage, see ClusterResourceUsage),
// turns the cumulative CPU counters into a rate over the last two scrapes, and serves PodMetrics
// and NodeMetrics with the pods' labels, so label selectors (what the HPA controller sends) work.

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"
)

type cpuSample struct {
	at    time.Time
	total float64 // core-seconds
}

type resUsage struct {
	cpu, memory resource.Quantity
}

type podUsage struct {
	window     time.Duration
	at         time.Time
	containers map[string]resUsage
}

type metricsAPI struct {
	kwokURL  string
	http     *http.Client
	period   time.Duration
	mu       sync.RWMutex
	prevCPU  map[string]cpuSample // "ns/pod/container" or "node/NAME"
	pods     map[string]podUsage  // "ns/pod"
	reported nodeReports          // which node last reported each pod
	nodes    map[string]resUsage
	nodesAt  map[string]time.Time
	podsByNS func(ns string) ([]*corev1.Pod, error)
	podGet   func(ns, name string) (*corev1.Pod, error)
	nodeList func() ([]*corev1.Node, error)
}

func runMetricsAPI(args []string) int {
	fs := flag.NewFlagSet("metrics-api", flag.ExitOnError)
	kubeconfig := fs.String("kubeconfig", "", "kubeconfig to watch nodes and pods (required)")
	kwokURL := fs.String("kwok-url", "", "KWOK's kubelet server, e.g. https://127.0.0.1:10250 (required)")
	addr := fs.String("listen", "", "host:port to serve HTTPS on (required)")
	certFile := fs.String("tls-cert-file", "", "serving certificate")
	keyFile := fs.String("tls-private-key-file", "", "serving key")
	clientCA := fs.String("client-ca-file", "", "CA of the aggregator's proxy client certificate (required)")
	kubeletCert := fs.String("kubelet-client-certificate", "", "client certificate for KWOK's server")
	kubeletKey := fs.String("kubelet-client-key", "", "client key for KWOK's server")
	period := fs.Duration("metric-resolution", 15*time.Second, "scrape period (metrics-server's --metric-resolution)")
	_ = fs.Parse(args)
	if *kubeconfig == "" || *kwokURL == "" || *addr == "" || *clientCA == "" || *certFile == "" || *keyFile == "" {
		fmt.Fprintln(os.Stderr, "metrics-api: --kubeconfig, --kwok-url, --listen, --tls-cert-file, --tls-private-key-file and --client-ca-file are required")
		return 2
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		fmt.Fprintf(os.Stderr, "metrics-api: %v\n", err)
		return 1
	}
	cfg.ContentType = "application/vnd.kubernetes.protobuf"
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		fmt.Fprintf(os.Stderr, "metrics-api: %v\n", err)
		return 1
	}
	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer cancel()

	factory := informers.NewSharedInformerFactory(cs, 0)
	podLister := factory.Core().V1().Pods().Lister()
	nodeLister := factory.Core().V1().Nodes().Lister()
	factory.Start(ctx.Done())
	factory.WaitForCacheSync(ctx.Done())

	tlsCfg := &tls.Config{InsecureSkipVerify: true} //nolint:gosec // KWOK's self-issued serving cert on loopback
	if *kubeletCert != "" {
		pair, err := tls.LoadX509KeyPair(*kubeletCert, *kubeletKey)
		if err != nil {
			fmt.Fprintf(os.Stderr, "metrics-api: %v\n", err)
			return 1
		}
		tlsCfg.Certificates = []tls.Certificate{pair}
	}
	m := &metricsAPI{
		kwokURL:  strings.TrimRight(*kwokURL, "/"),
		http:     &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: tlsCfg, MaxIdleConnsPerHost: 8}},
		period:   *period,
		prevCPU:  map[string]cpuSample{},
		pods:     map[string]podUsage{},
		reported: newNodeReports(),
		nodes:    map[string]resUsage{},
		nodesAt:  map[string]time.Time{},
		podsByNS: func(ns string) ([]*corev1.Pod, error) {
			if ns == "" {
				return podLister.List(labels.Everything())
			}
			return podLister.Pods(ns).List(labels.Everything())
		},
		podGet:   func(ns, name string) (*corev1.Pod, error) { return podLister.Pods(ns).Get(name) },
		nodeList: func() ([]*corev1.Node, error) { return nodeLister.List(labels.Everything()) },
	}
	go m.scrapeLoop(ctx)

	caPEM, err := os.ReadFile(*clientCA)
	if err != nil {
		fmt.Fprintf(os.Stderr, "metrics-api: %v\n", err)
		return 1
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	srv := &http.Server{
		Addr:              *addr,
		Handler:           m,
		ReadHeaderTimeout: 10 * time.Second,
		// Only the aggregator (its proxy client certificate) and admins holding a client
		// certificate of the cluster CA may call it, as with metrics-server's delegated auth.
		TLSConfig: &tls.Config{ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pool, MinVersion: tls.VersionTLS12},
	}
	go func() {
		<-ctx.Done()
		sctx, c := context.WithTimeout(context.Background(), 5*time.Second)
		defer c()
		_ = srv.Shutdown(sctx)
	}()
	if err := srv.ListenAndServeTLS(*certFile, *keyFile); err != nil && err != http.ErrServerClosed {
		fmt.Fprintf(os.Stderr, "metrics-api: %v\n", err)
		return 1
	}
	return 0
}

func (m *metricsAPI) scrapeLoop(ctx context.Context) {
	t := time.NewTicker(m.period)
	defer t.Stop()
	for {
		m.scrapeAll(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (m *metricsAPI) scrapeAll(ctx context.Context) {
	nodes, err := m.nodeList()
	if err != nil {
		return
	}
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for _, n := range nodes {
		if n.Labels["type"] != "kwok" {
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func(name string) {
			defer func() { <-sem; wg.Done() }()
			if err := m.scrapeNode(ctx, name); err != nil {
				fmt.Fprintf(os.Stderr, "metrics-api: scrape %s: %v\n", name, err)
			}
		}(n.Name)
	}
	wg.Wait()
}

func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

func value(m *dto.Metric) float64 {
	switch {
	case m.GetCounter() != nil:
		return m.GetCounter().GetValue()
	case m.GetGauge() != nil:
		return m.GetGauge().GetValue()
	case m.GetUntyped() != nil:
		return m.GetUntyped().GetValue()
	}
	return 0
}

// scrapeNode reads one node's kubelet resource metrics, as metrics-server reads /metrics/resource.
func (m *metricsAPI) scrapeNode(ctx context.Context, node string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.kwokURL+"/metrics/nodes/"+node+"/metrics/resource", nil)
	if err != nil {
		return err
	}
	resp, err := m.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("%s: %s", resp.Status, b)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		return err
	}
	now := time.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	// rate turns a cumulative core-seconds counter into cores since the previous scrape.
	rate := func(key string, total float64) (resource.Quantity, time.Duration, bool) {
		prev, ok := m.prevCPU[key]
		m.prevCPU[key] = cpuSample{at: now, total: total}
		if !ok || !now.After(prev.at) || total < prev.total {
			return resource.Quantity{}, 0, false
		}
		d := now.Sub(prev.at)
		cores := (total - prev.total) / d.Seconds()
		return *resource.NewScaledQuantity(int64(cores*1e9), resource.Nano), d, true
	}
	mem := map[string]float64{}
	if f := families["container_memory_working_set_bytes"]; f != nil {
		for _, mt := range f.GetMetric() {
			mem[label(mt, "namespace")+"/"+label(mt, "pod")+"/"+label(mt, "container")] = value(mt)
		}
	}
	seen := map[string]podUsage{}
	if f := families["container_cpu_usage_seconds_total"]; f != nil {
		for _, mt := range f.GetMetric() {
			ns, pod, c := label(mt, "namespace"), label(mt, "pod"), label(mt, "container")
			key := ns + "/" + pod + "/" + c
			cpu, window, ok := rate(key, value(mt))
			if !ok {
				continue
			}
			pu, exists := seen[ns+"/"+pod]
			if !exists {
				pu = podUsage{window: window, at: now, containers: map[string]resUsage{}}
			}
			pu.containers[c] = resUsage{cpu: cpu, memory: *resource.NewQuantity(int64(mem[key]), resource.BinarySI)}
			seen[ns+"/"+pod] = pu
		}
	}
	// Pods of this node that were scraped replace the old figures; pods it reported last time and
	// not now (deleted, or moved to another node that has not reported them yet) are dropped.
	for _, k := range m.reported.update(node, seen) {
		delete(m.pods, k)
	}
	for k, v := range seen {
		m.pods[k] = v
	}
	var nodeMem float64
	if f := families["node_memory_working_set_bytes"]; f != nil && len(f.GetMetric()) > 0 {
		nodeMem = value(f.GetMetric()[0])
	}
	if f := families["node_cpu_usage_seconds_total"]; f != nil && len(f.GetMetric()) > 0 {
		if cpu, _, ok := rate("node/"+node, value(f.GetMetric()[0])); ok {
			m.nodes[node] = resUsage{cpu: cpu, memory: *resource.NewQuantity(int64(nodeMem), resource.BinarySI)}
			m.nodesAt[node] = now
		}
	}
	return nil
}

const metricsPrefix = "/apis/metrics.k8s.io/v1beta1"

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func notFound(w http.ResponseWriter, what string) {
	writeJSON(w, http.StatusNotFound, metav1.Status{
		TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"},
		Status:   metav1.StatusFailure, Reason: metav1.StatusReasonNotFound, Code: http.StatusNotFound,
		Message: what + " not found",
	})
}

func (m *metricsAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		writeJSON(w, http.StatusMethodNotAllowed, metav1.Status{
			TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"},
			Status:   metav1.StatusFailure, Reason: metav1.StatusReasonMethodNotAllowed, Code: http.StatusMethodNotAllowed,
			Message: "the metrics API is read-only",
		})
		return
	}
	path := strings.TrimSuffix(r.URL.Path, "/")
	switch {
	case path == "/healthz" || path == "/readyz" || path == "/livez":
		_, _ = io.WriteString(w, "ok")
		return
	case path == "/apis":
		writeJSON(w, http.StatusOK, metav1.APIGroupList{
			TypeMeta: metav1.TypeMeta{Kind: "APIGroupList", APIVersion: "v1"},
			Groups: []metav1.APIGroup{{
				Name:             "metrics.k8s.io",
				Versions:         []metav1.GroupVersionForDiscovery{{GroupVersion: "metrics.k8s.io/v1beta1", Version: "v1beta1"}},
				PreferredVersion: metav1.GroupVersionForDiscovery{GroupVersion: "metrics.k8s.io/v1beta1", Version: "v1beta1"},
			}},
		})
		return
	case path == "/apis/metrics.k8s.io":
		writeJSON(w, http.StatusOK, metav1.APIGroup{
			TypeMeta:         metav1.TypeMeta{Kind: "APIGroup", APIVersion: "v1"},
			Name:             "metrics.k8s.io",
			Versions:         []metav1.GroupVersionForDiscovery{{GroupVersion: "metrics.k8s.io/v1beta1", Version: "v1beta1"}},
			PreferredVersion: metav1.GroupVersionForDiscovery{GroupVersion: "metrics.k8s.io/v1beta1", Version: "v1beta1"},
		})
		return
	case path == metricsPrefix:
		verbs := metav1.Verbs{"get", "list"}
		writeJSON(w, http.StatusOK, metav1.APIResourceList{
			TypeMeta:     metav1.TypeMeta{Kind: "APIResourceList", APIVersion: "v1"},
			GroupVersion: "metrics.k8s.io/v1beta1",
			APIResources: []metav1.APIResource{
				{Name: "nodes", Kind: "NodeMetrics", Namespaced: false, Verbs: verbs},
				{Name: "pods", Kind: "PodMetrics", Namespaced: true, Verbs: verbs},
			},
		})
		return
	case !strings.HasPrefix(path, metricsPrefix+"/"):
		notFound(w, path)
		return
	}
	parts := strings.Split(strings.TrimPrefix(path, metricsPrefix+"/"), "/")
	sel, err := labels.Parse(r.URL.Query().Get("labelSelector"))
	if err != nil {
		writeJSON(w, http.StatusBadRequest, metav1.Status{
			TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"},
			Status:   metav1.StatusFailure, Reason: metav1.StatusReasonBadRequest, Code: http.StatusBadRequest,
			Message: err.Error(),
		})
		return
	}
	switch {
	case len(parts) == 1 && parts[0] == "pods":
		m.listPods(w, "", sel)
	case len(parts) == 3 && parts[0] == "namespaces" && parts[2] == "pods":
		m.listPods(w, parts[1], sel)
	case len(parts) == 4 && parts[0] == "namespaces" && parts[2] == "pods":
		m.getPod(w, parts[1], parts[3])
	case len(parts) == 1 && parts[0] == "nodes":
		m.listNodes(w, "", sel)
	case len(parts) == 2 && parts[0] == "nodes":
		m.listNodes(w, parts[1], labels.Everything())
	default:
		notFound(w, path)
	}
}

func (m *metricsAPI) podMetrics(p *corev1.Pod) (metricsv1beta1.PodMetrics, bool) {
	m.mu.RLock()
	pu, ok := m.pods[p.Namespace+"/"+p.Name]
	m.mu.RUnlock()
	if !ok || p.Status.Phase != corev1.PodRunning {
		return metricsv1beta1.PodMetrics{}, false
	}
	pm := metricsv1beta1.PodMetrics{
		TypeMeta: metav1.TypeMeta{Kind: "PodMetrics", APIVersion: "metrics.k8s.io/v1beta1"},
		ObjectMeta: metav1.ObjectMeta{
			Name: p.Name, Namespace: p.Namespace, Labels: p.Labels,
			CreationTimestamp: metav1.NewTime(time.Now()),
		},
		Timestamp: metav1.NewTime(pu.at),
		Window:    metav1.Duration{Duration: pu.window},
	}
	for _, c := range p.Spec.Containers {
		u, ok := pu.containers[c.Name]
		if !ok {
			continue
		}
		pm.Containers = append(pm.Containers, metricsv1beta1.ContainerMetrics{
			Name:  c.Name,
			Usage: corev1.ResourceList{corev1.ResourceCPU: u.cpu, corev1.ResourceMemory: u.memory},
		})
	}
	return pm, len(pm.Containers) > 0
}

func (m *metricsAPI) listPods(w http.ResponseWriter, ns string, sel labels.Selector) {
	pods, err := m.podsByNS(ns)
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, metav1.Status{Status: metav1.StatusFailure, Message: err.Error()})
		return
	}
	list := metricsv1beta1.PodMetricsList{TypeMeta: metav1.TypeMeta{Kind: "PodMetricsList", APIVersion: "metrics.k8s.io/v1beta1"}}
	for _, p := range pods {
		if !sel.Matches(labels.Set(p.Labels)) {
			continue
		}
		if pm, ok := m.podMetrics(p); ok {
			list.Items = append(list.Items, pm)
		}
	}
	if list.Items == nil {
		list.Items = []metricsv1beta1.PodMetrics{}
	}
	writeJSON(w, http.StatusOK, list)
}

func (m *metricsAPI) getPod(w http.ResponseWriter, ns, name string) {
	p, err := m.podGet(ns, name)
	if err != nil {
		notFound(w, fmt.Sprintf("podmetrics.metrics.k8s.io %q", name))
		return
	}
	pm, ok := m.podMetrics(p)
	if !ok {
		notFound(w, fmt.Sprintf("podmetrics.metrics.k8s.io %q", name))
		return
	}
	writeJSON(w, http.StatusOK, pm)
}

func (m *metricsAPI) listNodes(w http.ResponseWriter, only string, sel labels.Selector) {
	nodes, err := m.nodeList()
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, metav1.Status{Status: metav1.StatusFailure, Message: err.Error()})
		return
	}
	list := metricsv1beta1.NodeMetricsList{TypeMeta: metav1.TypeMeta{Kind: "NodeMetricsList", APIVersion: "metrics.k8s.io/v1beta1"}}
	m.mu.RLock()
	for _, n := range nodes {
		if (only != "" && n.Name != only) || !sel.Matches(labels.Set(n.Labels)) {
			continue
		}
		u, ok := m.nodes[n.Name]
		if !ok {
			continue
		}
		list.Items = append(list.Items, metricsv1beta1.NodeMetrics{
			TypeMeta:   metav1.TypeMeta{Kind: "NodeMetrics", APIVersion: "metrics.k8s.io/v1beta1"},
			ObjectMeta: metav1.ObjectMeta{Name: n.Name, Labels: n.Labels, CreationTimestamp: metav1.NewTime(time.Now())},
			Timestamp:  metav1.NewTime(m.nodesAt[n.Name]),
			Window:     metav1.Duration{Duration: m.period},
			Usage:      corev1.ResourceList{corev1.ResourceCPU: u.cpu, corev1.ResourceMemory: u.memory},
		})
	}
	m.mu.RUnlock()
	if only != "" {
		if len(list.Items) == 0 {
			notFound(w, fmt.Sprintf("nodemetrics.metrics.k8s.io %q", only))
			return
		}
		writeJSON(w, http.StatusOK, list.Items[0])
		return
	}
	if list.Items == nil {
		list.Items = []metricsv1beta1.NodeMetrics{}
	}
	writeJSON(w, http.StatusOK, list)
}

// nodeReports remembers which node last reported each pod, so that a node's scrape looks only at
// the pods it reported before: at 2,000 nodes and 50,000 pods, walking every pod on every node's
// scrape (100 million lookups per period) kept a core busy.
type nodeReports struct {
	byNode map[string]map[string]struct{} // node -> "ns/pod" it reported last
	podOn  map[string]string              // "ns/pod" -> the node that reported it last
}

func newNodeReports() nodeReports {
	return nodeReports{byNode: map[string]map[string]struct{}{}, podOn: map[string]string{}}
}

// update records that node now reports exactly the pods in seen, and returns the pods it
// reported before and not now, unless another node has reported them since (the pod moved).
func (r nodeReports) update(node string, seen map[string]podUsage) (gone []string) {
	for k := range r.byNode[node] {
		if _, still := seen[k]; still {
			continue
		}
		if r.podOn[k] == node {
			delete(r.podOn, k)
			gone = append(gone, k)
		}
	}
	now := make(map[string]struct{}, len(seen))
	for k := range seen {
		if prev, ok := r.podOn[k]; ok && prev != node {
			delete(r.byNode[prev], k)
		}
		r.podOn[k] = node
		now[k] = struct{}{}
	}
	r.byNode[node] = now
	return gone
}
