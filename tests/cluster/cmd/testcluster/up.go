package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

type upOptions struct {
	kubeconfig   string
	nodes        int
	pods         int
	scenarios    multiFlag
	nodeCPU      string
	nodeMemory   string
	nodePods     string
	nodeLabels   multiFlag
	nodeTaints   multiFlag
	kwokBin      string
	kwokCRDDir   string
	stagesDir    string
	kubectl      string
	keep         bool
	profiling    bool
	readyTimeout time.Duration
}

// child is one process the supervisor started.
type child struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan struct{}
	err  error
}

type cluster struct {
	opts     upOptions
	self     string
	work     string
	pki      *pki
	ports    struct{ etcdClient, etcdPeer, apiserver, kwok, metrics, scheduler, controllerManager int }
	children []*child
	exited   chan *child
	started  time.Time
}

func logf(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "[up %s] %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, a...))
}

func runUp(args []string) int {
	var o upOptions
	fs := flag.NewFlagSet("up", flag.ContinueOnError)
	fs.StringVar(&o.kubeconfig, "kubeconfig", "", "write the kubeconfig here once the cluster is ready (required)")
	fs.IntVar(&o.nodes, "nodes", 2, "number of KWOK-simulated nodes")
	fs.IntVar(&o.pods, "pods", 0, "create this many pods, spread over Deployments in several namespaces")
	fs.Var(&o.scenarios, "scenario", "apply this directory of manifests after ready (repeatable)")
	fs.StringVar(&o.nodeCPU, "node-cpu", "32", "cpu capacity of each simulated node")
	fs.StringVar(&o.nodeMemory, "node-memory", "256Gi", "memory capacity of each simulated node")
	fs.StringVar(&o.nodePods, "node-pods", "110", "pod capacity of each simulated node")
	fs.Var(&o.nodeLabels, "node-label", "extra label KEY=VALUE on every simulated node (repeatable)")
	fs.Var(&o.nodeTaints, "node-taint", "taint KEY=VALUE:EFFECT on every simulated node (repeatable)")
	fs.StringVar(&o.kwokBin, "kwok", "", "path to the kwok binary (required)")
	fs.StringVar(&o.kwokCRDDir, "kwok-crds", "", "directory of KWOK's CRD manifests (required: Logs and ClusterLogs are served as CRDs)")
	fs.StringVar(&o.stagesDir, "stages", "", "directory of KWOK Stage manifests (required)")
	fs.StringVar(&o.kubectl, "kubectl", "kubectl", "kubectl used to apply manifests")
	fs.BoolVar(&o.keep, "keep", false, "keep the temp data directory on exit (for debugging)")
	fs.BoolVar(&o.profiling, "profiling", false, "serve /metrics and /debug/pprof of the scheduler and controller-manager on loopback ports (printed), and the apiserver's /debug/pprof")
	fs.DurationVar(&o.readyTimeout, "ready-timeout", 0, "give up if not ready after this long (default: 2m + 1s per 25 pods + 1s per 10 nodes)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if o.kubeconfig == "" || o.kwokBin == "" || o.stagesDir == "" || o.kwokCRDDir == "" {
		fmt.Fprintln(os.Stderr, "up: --kubeconfig, --kwok, --kwok-crds and --stages are required (tests/cluster/up passes the last three)")
		return 2
	}
	if o.nodes < 1 {
		fmt.Fprintln(os.Stderr, "up: --nodes must be at least 1")
		return 2
	}
	if podCap, err := strconv.Atoi(o.nodePods); err == nil && o.pods > o.nodes*podCap {
		fmt.Fprintf(os.Stderr, "up: --pods %d cannot fit on --nodes %d with --node-pods %d; add nodes (e.g. --nodes %d)\n",
			o.pods, o.nodes, podCap, (o.pods+podCap-1)/podCap)
		return 2
	}
	if o.readyTimeout == 0 {
		// 10,000 pods took 229-290 s to become Running with the load average at 12-16, and more
		// than the old 1 s per 100 pods (4.5 min) at 20: 1 s per 25 pods gives 9.5 min.
		o.readyTimeout = 2*time.Minute + time.Duration(o.pods/25)*time.Second + time.Duration(o.nodes/10)*time.Second
	}
	abs, err := filepath.Abs(o.kubeconfig)
	if err != nil {
		fmt.Fprintf(os.Stderr, "up: %v\n", err)
		return 2
	}
	o.kubeconfig = abs
	// A stale file would tell a caller waiting for it that the cluster is ready.
	_ = os.Remove(o.kubeconfig)

	// If whoever started us dies without stopping us (kill -9 of with-cluster, a closed
	// terminal), the kernel sends us SIGTERM and we stop the cluster: no orphaned control plane.
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	ppid := os.Getppid()
	if err := unix.Prctl(unix.PR_SET_PDEATHSIG, uintptr(syscall.SIGTERM), 0, 0, 0); err != nil {
		logf("warning: PR_SET_PDEATHSIG: %v", err)
	}
	if os.Getppid() != ppid {
		logf("parent exited before start-up; not starting")
		return 1
	}

	self, err := os.Executable()
	if err != nil {
		fmt.Fprintf(os.Stderr, "up: %v\n", err)
		return 1
	}
	work, err := os.MkdirTemp("", "kubilitics-cluster-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "up: temp dir: %v\n", err)
		return 1
	}
	c := &cluster{opts: o, self: self, work: work, exited: make(chan *child, 16), started: time.Now()}

	// One goroutine owns the signals for the whole run: the first one cancels ctx, which
	// aborts a start-up in progress or ends the wait below.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		s := <-sig
		logf("got %v, stopping", s)
		cancel()
	}()

	code := 0
	if err := c.start(ctx); err != nil {
		if ctx.Err() == nil {
			logf("ERROR: %v", err)
			code = 1
		} else {
			code = 130
		}
	} else {
		select {
		case <-ctx.Done():
		case ch := <-c.exited:
			logf("ERROR: %s exited unexpectedly (%v); its log: %s", ch.name, ch.err, ch.log)
			printTail(ch.log, 20)
			code = 1
		}
	}
	_ = os.Remove(o.kubeconfig)
	c.stopAll()
	if o.keep {
		logf("kept data directory %s", work)
	} else {
		_ = os.RemoveAll(work)
	}
	return code
}

func printTail(path string, n int) {
	data, err := os.ReadFile(path)
	if err != nil {
		return
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	for _, l := range lines {
		fmt.Fprintf(os.Stderr, "    | %s\n", l)
	}
}

// freePorts asks the kernel for n distinct free loopback ports. Another process could take one
// before our component binds it; a start-up failure then says which port, and a rerun fixes it.
func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	var ports []int
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

func (c *cluster) startChild(name, bin string, args []string, env []string) (*child, error) {
	logPath := filepath.Join(c.work, "logs", name+".log")
	f, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.Env = append(os.Environ(), env...)
	// Own process group: a terminal's Ctrl-C reaches only us, and we stop children in order.
	// Pdeathsig: if we are killed with SIGKILL, the kernel still kills the children.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	ch := &child{name: name, cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() {
		ch.err = cmd.Wait()
		f.Close()
		close(ch.done)
		select {
		case c.exited <- ch:
		default:
		}
	}()
	c.children = append(c.children, ch)
	return ch, nil
}

// stopAll stops children in reverse start order (KWOK and controllers before the apiserver,
// the apiserver before etcd), SIGTERM first, SIGKILL to the whole group after a grace period.
func (c *cluster) stopAll() {
	for i := len(c.children) - 1; i >= 0; i-- {
		ch := c.children[i]
		select {
		case <-ch.done:
			continue
		default:
		}
		pgid := ch.cmd.Process.Pid
		_ = syscall.Kill(-pgid, syscall.SIGTERM)
		select {
		case <-ch.done:
		case <-time.After(10 * time.Second):
			logf("%s did not stop in 10s, killing it", ch.name)
			_ = syscall.Kill(-pgid, syscall.SIGKILL)
			<-ch.done
		}
		// Anything left in the group (none expected) goes too.
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
	}
}

func (c *cluster) checkChildren() error {
	for _, ch := range c.children {
		select {
		case <-ch.done:
			printTail(ch.log, 20)
			return fmt.Errorf("%s exited during start-up (%v); log: %s", ch.name, ch.err, ch.log)
		default:
		}
	}
	return nil
}

// poll calls f every interval until it returns true, an error, a child dies or ctx ends.
func (c *cluster) poll(ctx context.Context, what string, timeout, interval time.Duration, f func() (bool, error)) error {
	deadline := time.Now().Add(timeout)
	var lastErr error
	for {
		ok, err := f()
		if ok {
			return nil
		}
		if err != nil {
			lastErr = err
		}
		if err := c.checkChildren(); err != nil {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out after %v waiting for %s (last error: %v)", timeout, what, lastErr)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(interval):
		}
	}
}

func (c *cluster) writeKubeconfig(path, user string, embed bool) error {
	server := fmt.Sprintf("https://127.0.0.1:%d", c.ports.apiserver)
	cfg := clientcmdapi.NewConfig()
	cluster := clientcmdapi.NewCluster()
	cluster.Server = server
	authInfo := clientcmdapi.NewAuthInfo()
	if embed {
		var err error
		if cluster.CertificateAuthorityData, err = os.ReadFile(c.pki.path("ca.crt")); err != nil {
			return err
		}
		if authInfo.ClientCertificateData, err = os.ReadFile(c.pki.path(user + ".crt")); err != nil {
			return err
		}
		if authInfo.ClientKeyData, err = os.ReadFile(c.pki.path(user + ".key")); err != nil {
			return err
		}
	} else {
		cluster.CertificateAuthority = c.pki.path("ca.crt")
		authInfo.ClientCertificate = c.pki.path(user + ".crt")
		authInfo.ClientKey = c.pki.path(user + ".key")
	}
	cfg.Clusters["kubilitics-test"] = cluster
	cfg.AuthInfos[user] = authInfo
	ctxName := "kubilitics-test"
	if user != "admin" {
		ctxName = "kubilitics-test-" + user
	}
	kctx := clientcmdapi.NewContext()
	kctx.Cluster, kctx.AuthInfo = "kubilitics-test", user
	cfg.Contexts[ctxName] = kctx
	cfg.CurrentContext = ctxName
	return clientcmd.WriteToFile(*cfg, path)
}

func (c *cluster) kubeconfigPath(user string) string {
	return filepath.Join(c.work, "kubeconfig", user+".kubeconfig")
}

func (c *cluster) start(ctx context.Context) error {
	o := c.opts
	for _, d := range []string{"logs", "kubeconfig", "etcd", "kwok-home"} {
		if err := os.MkdirAll(filepath.Join(c.work, d), 0o700); err != nil {
			return err
		}
	}
	ports, err := freePorts(7)
	if err != nil {
		return fmt.Errorf("free ports: %w", err)
	}
	c.ports.etcdClient, c.ports.etcdPeer, c.ports.apiserver, c.ports.kwok, c.ports.metrics = ports[0], ports[1], ports[2], ports[3], ports[4]
	logf("data directory %s; ports etcd=%d apiserver=%d kwok=%d metrics-api=%d", c.work, ports[0], ports[2], ports[3], ports[4])
	if o.profiling {
		c.ports.scheduler, c.ports.controllerManager = ports[5], ports[6]
		logf("profiling: https://127.0.0.1:%d (scheduler) and https://127.0.0.1:%d (controller-manager) serve /metrics and /debug/pprof/ to anyone on loopback; "+
			"the apiserver's /debug/pprof/ and KWOK's https://127.0.0.1:%d/debug/pprof/ too", ports[5], ports[6], ports[3])
	}

	// --- certificates and kubeconfigs ---
	if c.pki, err = newPKI(filepath.Join(c.work, "pki")); err != nil {
		return fmt.Errorf("pki: %w", err)
	}
	loop := []net.IP{net.ParseIP("127.0.0.1")}
	type cert struct {
		name, cn string
		orgs     []string
	}
	if err := c.pki.issue("apiserver", "kube-apiserver", nil, true,
		[]string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"},
		append(loop, net.ParseIP("10.96.0.1"))); err != nil {
		return err
	}
	if err := c.pki.issue("kwok-serving", "kwok", nil, true, []string{"localhost"}, loop); err != nil {
		return err
	}
	// The aggregator checks the metrics API's certificate against its Service's DNS name.
	if err := c.pki.issue("metrics-api-serving", "metrics-server", nil, true,
		[]string{"localhost", "metrics-server.kube-system.svc", "metrics-server.kube-system.svc.cluster.local"}, loop); err != nil {
		return err
	}
	for _, ct := range []cert{
		{"admin", "kubilitics-admin", []string{"system:masters"}},
		// The read-only user: no group with rights; a ClusterRoleBinding to "view" gives it read access.
		{"readonly", "kubilitics-readonly", nil},
		{"controller-manager", "system:kube-controller-manager", nil},
		{"scheduler", "system:kube-scheduler", nil},
		// KWOK plays every kubelet (node and pod status, leases, events): give it admin rights
		// rather than one system:node identity per simulated node.
		{"kwok", "kwok-controller", []string{"system:masters"}},
		{"apiserver-kubelet-client", "kube-apiserver-kubelet-client", []string{"system:masters"}},
		// The aggregator's proxy client (front proxy), as kubeadm's front-proxy-client.
		{"front-proxy-client", "front-proxy-client", nil},
		{"metrics-api", "system:metrics-server", nil},
	} {
		if err := c.pki.issue(ct.name, ct.cn, ct.orgs, false, nil, nil); err != nil {
			return err
		}
	}
	for _, u := range []string{"admin", "controller-manager", "scheduler", "kwok", "metrics-api"} {
		if err := c.writeKubeconfig(c.kubeconfigPath(u), u, false); err != nil {
			return fmt.Errorf("kubeconfig %s: %w", u, err)
		}
	}

	// --- etcd ---
	etcdURL := fmt.Sprintf("http://127.0.0.1:%d", c.ports.etcdClient)
	if _, err := c.startChild("etcd", c.self, []string{"etcd",
		"--data-dir", filepath.Join(c.work, "etcd"),
		"--listen-client-url", etcdURL,
		"--listen-peer-url", fmt.Sprintf("http://127.0.0.1:%d", c.ports.etcdPeer),
	}, nil); err != nil {
		return err
	}
	if err := c.poll(ctx, "etcd /health", 30*time.Second, 100*time.Millisecond, func() (bool, error) {
		resp, err := http.Get(etcdURL + "/health")
		if err != nil {
			return false, err
		}
		resp.Body.Close()
		return resp.StatusCode == 200, nil
	}); err != nil {
		return err
	}
	logf("etcd ready (%.1fs)", time.Since(c.started).Seconds())

	// --- kube-apiserver ---
	p := c.pki.path
	if _, err := c.startChild("kube-apiserver", c.self, []string{"kube-apiserver",
		"--etcd-servers=" + etcdURL,
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		// The "kubernetes" Service's endpoints would be 127.0.0.1, which API validation rejects
		// (loopback), so the reconciler would log an error every 10s. No pod ever dials that
		// Service here, so leave it without endpoints rather than advertise a foreign address.
		"--endpoint-reconciler-type=none",
		"--secure-port=" + strconv.Itoa(c.ports.apiserver),
		"--cert-dir=" + filepath.Join(c.work, "pki", "apiserver-generated"),
		"--tls-cert-file=" + p("apiserver.crt"),
		"--tls-private-key-file=" + p("apiserver.key"),
		"--client-ca-file=" + p("ca.crt"),
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + p("sa.pub"),
		"--service-account-signing-key-file=" + p("sa.key"),
		// Only numbers in API objects: nothing ever routes to service or pod IPs here.
		"--service-cluster-ip-range=10.96.0.0/16",
		"--authorization-mode=Node,RBAC",
		"--allow-privileged=true",
		// The apiserver reaches "kubelets" (KWOK's server) for logs, exec and port-forward.
		"--kubelet-client-certificate=" + p("apiserver-kubelet-client.crt"),
		"--kubelet-client-key=" + p("apiserver-kubelet-client.key"),
		"--kubelet-preferred-address-types=InternalIP",
		// The aggregation layer, for metrics.k8s.io (the metrics API below).
		"--requestheader-client-ca-file=" + p("ca.crt"),
		"--requestheader-allowed-names=front-proxy-client",
		"--requestheader-username-headers=X-Remote-User",
		"--requestheader-group-headers=X-Remote-Group",
		"--requestheader-extra-headers-prefix=X-Remote-Extra-",
		"--proxy-client-cert-file=" + p("front-proxy-client.crt"),
		"--proxy-client-key-file=" + p("front-proxy-client.key"),
		// Room for benchmark load (10k pods being created) on top of the defaults.
		"--max-requests-inflight=1000",
		"--max-mutating-requests-inflight=500",
		"--profiling=" + strconv.FormatBool(o.profiling),
		"--v=0",
	}, nil); err != nil {
		return err
	}
	ca, err := os.ReadFile(p("ca.crt"))
	if err != nil {
		return err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca)
	adminPair, err := tls.LoadX509KeyPair(p("admin.crt"), p("admin.key"))
	if err != nil {
		return err
	}
	hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{adminPair}}}}
	apiURL := fmt.Sprintf("https://127.0.0.1:%d", c.ports.apiserver)
	if err := c.poll(ctx, "kube-apiserver /readyz", 90*time.Second, 200*time.Millisecond, func() (bool, error) {
		resp, err := hc.Get(apiURL + "/readyz")
		if err != nil {
			return false, err
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return false, fmt.Errorf("/readyz: %s", resp.Status)
		}
		return true, nil
	}); err != nil {
		return err
	}
	logf("kube-apiserver ready (%.1fs)", time.Since(c.started).Seconds())

	restCfg, err := clientcmd.BuildConfigFromFlags("", c.kubeconfigPath("admin"))
	if err != nil {
		return err
	}
	restCfg.QPS, restCfg.Burst = 500, 1000
	// Protobuf: listing 10k pods while waiting for them is several times cheaper than JSON.
	restCfg.ContentType = "application/vnd.kubernetes.protobuf"
	restCfg.AcceptContentTypes = "application/vnd.kubernetes.protobuf,application/json"
	cs, err := kubernetes.NewForConfig(restCfg)
	if err != nil {
		return err
	}

	// --- kube-controller-manager and kube-scheduler ---
	if _, err := c.startChild("kube-controller-manager", c.self, append([]string{"kube-controller-manager",
		"--kubeconfig=" + c.kubeconfigPath("controller-manager"),
		"--authentication-kubeconfig=" + c.kubeconfigPath("controller-manager"),
		"--authorization-kubeconfig=" + c.kubeconfigPath("controller-manager"),
		"--bind-address=127.0.0.1",
		"--leader-elect=false",
		// Each controller gets its own service account, as kubeadm sets it up.
		"--use-service-account-credentials=true",
		"--service-account-private-key-file=" + p("sa.key"),
		"--root-ca-file=" + p("ca.crt"),
		"--cluster-signing-cert-file=" + p("ca.crt"),
		"--cluster-signing-key-file=" + p("ca.key"),
		"--kube-api-qps=300",
		"--kube-api-burst=600",
		"--concurrent-replicaset-syncs=10",
		"--concurrent-deployment-syncs=10",
		// Faster HPA verdicts for the scenarios (default 15s).
		"--horizontal-pod-autoscaler-sync-period=5s",
		// KWOK renews node leases every lease duration / 4; see leaseSeconds.
		"--node-monitor-grace-period=" + c.nodeGracePeriod().String(),
		"--v=0",
	}, append(c.controllerManagerGates(), c.debugArgs(c.ports.controllerManager)...)...), nil); err != nil {
		return err
	}
	schedCfg := filepath.Join(c.work, "kubeconfig", "scheduler-config.yaml")
	if err := os.WriteFile(schedCfg, []byte(c.schedulerConfig()), 0o600); err != nil {
		return err
	}
	schedArgs := []string{"kube-scheduler",
		"--config=" + schedCfg,
		"--bind-address=127.0.0.1",
		"--v=0",
	}
	if o.profiling {
		schedArgs = append(schedArgs, "--authentication-kubeconfig="+c.kubeconfigPath("scheduler"), "--authorization-kubeconfig="+c.kubeconfigPath("scheduler"))
	}
	if _, err := c.startChild("kube-scheduler", c.self, append(schedArgs, c.debugArgs(c.ports.scheduler)...), nil); err != nil {
		return err
	}

	// --- KWOK's CRDs (Logs, ClusterLogs, so scenarios can bring their own container logs) ---
	crds := []string{}
	for _, n := range []string{"kwok.x-k8s.io_logs.yaml", "kwok.x-k8s.io_clusterlogs.yaml",
		"kwok.x-k8s.io_metrics.yaml", "kwok.x-k8s.io_clusterresourceusages.yaml", "kwok.x-k8s.io_resourceusages.yaml"} {
		crds = append(crds, "-f", filepath.Join(o.kwokCRDDir, n))
	}
	if err := c.kubectl(ctx, append([]string{"apply", "--server-side"}, crds...)...); err != nil {
		return fmt.Errorf("apply KWOK CRDs: %w", err)
	}
	if err := c.kubectl(ctx, "wait", "--for=condition=Established", "--timeout=60s",
		"crd/logs.kwok.x-k8s.io", "crd/clusterlogs.kwok.x-k8s.io", "crd/metrics.kwok.x-k8s.io",
		"crd/clusterresourceusages.kwok.x-k8s.io", "crd/resourceusages.kwok.x-k8s.io"); err != nil {
		return fmt.Errorf("wait for KWOK CRDs: %w", err)
	}
	// KWOK's own kubelet resource metrics (/metrics/nodes/NODE/metrics/resource) and pod usage
	// from the annotations kwok.x-k8s.io/usage-cpu and -memory, both as KWOK ships them.
	kustomize := filepath.Join(o.kwokCRDDir, "..", "..")
	if err := c.kubectl(ctx, "apply", "--server-side",
		"-f", filepath.Join(kustomize, "metrics", "resource", "metrics-resource.yaml"),
		"-f", filepath.Join(kustomize, "metrics", "usage", "usage-from-annotation.yaml")); err != nil {
		return fmt.Errorf("apply KWOK metrics and usage: %w", err)
	}

	// --- KWOK ---
	stageFiles, err := filepath.Glob(filepath.Join(o.stagesDir, "*.yaml"))
	if err != nil || len(stageFiles) == 0 {
		return fmt.Errorf("no Stage manifests in %s", o.stagesDir)
	}
	kwokArgs := []string{
		"--kubeconfig=" + c.kubeconfigPath("kwok"),
		"--manage-all-nodes=false",
		// Nodes labelled type=kwok are simulated. A label (not an annotation) selector is served
		// by the apiserver, so a node that loses the label drops out of KWOK's watch and stops
		// being kept alive: that is how a scenario makes a kubelet "stop" (NODE_NOT_READY).
		"--manage-nodes-with-label-selector=type=kwok",
		// Every simulated node's kubelet endpoint is KWOK's one server on loopback.
		"--node-ip=127.0.0.1",
		"--node-port=" + strconv.Itoa(c.ports.kwok),
		"--server-address=127.0.0.1:" + strconv.Itoa(c.ports.kwok),
		"--tls-cert-file=" + p("kwok-serving.crt"),
		"--tls-private-key-file=" + p("kwok-serving.key"),
		// Pod IPs are only numbers in pod status; a /12 has room for any benchmark size.
		"--cidr=10.0.0.1/12",
		"--node-lease-duration-seconds=" + strconv.Itoa(c.leaseSeconds()),
		"--enable-crds=Logs,ClusterLogs,Metric,ClusterResourceUsage,ResourceUsage",
	}
	for _, f := range stageFiles {
		kwokArgs = append(kwokArgs, "--config="+f)
	}
	if c.large() {
		// KWOK plays pod stages with 4 workers and renews leases with 4, each worker waiting for
		// its API call: 3 calls a pod at 0.07-0.13 s each (the apiserver's average at 50,000
		// pods) cap the pods at 10-18 a second. Its client has no rate limit, so more workers
		// only mean more calls in flight (16: 119-143 status patches a second, README). KWOK does not default the options of a loaded
		// KwokConfiguration, so every one is set here (to KWOK's defaults but the two).
		kwokCfg := filepath.Join(c.work, "kwok-home", "kwok-config.yaml")
		if err := os.WriteFile(kwokCfg, []byte(`apiVersion: config.kwok.x-k8s.io/v1alpha1
kind: KwokConfiguration
options:
  podPlayStageParallelism: 16
  nodeLeaseParallelism: 16
  nodePlayStageParallelism: 4
  podsOnNodeSyncParallelism: 1
  enableDebuggingHandlers: true
  enableProfilingHandler: true
  enableContentionProfiling: false
  enablePodsOnNodeSyncListPager: true
  enablePodsOnNodeSyncStreamWatch: false
`), 0o600); err != nil {
			return err
		}
		kwokArgs = append(kwokArgs, "--config="+kwokCfg)
	}
	// HOME points at an empty directory so a developer's ~/.kwok/kwok.yaml is not loaded too.
	if _, err := c.startChild("kwok", o.kwokBin, kwokArgs, []string{"HOME=" + filepath.Join(c.work, "kwok-home")}); err != nil {
		return err
	}

	// --- the resource metrics API (metrics.k8s.io), behind the aggregator ---
	// A large cluster's pods start first: scraping 2,000 nodes (KWOK evaluates every pod's
	// metrics) competes with them for the two cores, and nobody reads metrics before FILE exists.
	deferMetrics := c.large() && o.pods > 0
	if !deferMetrics {
		if err := c.startMetricsAPI(ctx); err != nil {
			return err
		}
	}

	// --- RBAC for the read-only user, default logs config, nodes ---
	if err := c.setupRBACAndLogs(ctx, cs); err != nil {
		return err
	}
	if err := createNodes(ctx, cs, o); err != nil {
		return err
	}
	if err := c.poll(ctx, "namespace default and its default service account", 60*time.Second, 250*time.Millisecond, func() (bool, error) {
		return defaultSAExists(ctx, cs)
	}); err != nil {
		return err
	}
	if err := c.poll(ctx, fmt.Sprintf("%d KWOK nodes Ready", o.nodes), o.readyTimeout, 500*time.Millisecond, func() (bool, error) {
		n, err := readyNodes(ctx, cs)
		return n >= o.nodes, err
	}); err != nil {
		return err
	}
	logf("control plane and %d nodes ready (%.1fs)", o.nodes, time.Since(c.started).Seconds())

	if o.pods > 0 {
		t0 := time.Now()
		if err := createWorkloads(ctx, cs, o.pods); err != nil {
			return err
		}
		last := -1
		interval := 2 * time.Second
		if o.pods > 2000 {
			interval = 5 * time.Second // each poll lists every bench pod; keep that load small
		}
		// best is the highest count seen: the Deployments' readyReplicas can also wobble below
		// it for good (seen at 20,000 pods: 19,870-19,881 for 40 min with every pod Ready), and a
		// count that moves without getting anywhere must not hold the pod list off.
		rose, best := time.Now(), -1
		if err := c.poll(ctx, fmt.Sprintf("%d pods Running", o.pods), o.readyTimeout, interval, func() (bool, error) {
			n, err := readyBenchPods(ctx, cs)
			if err == nil && n > best {
				rose, best = time.Now(), n
			}
			if err == nil && n < o.pods && time.Since(rose) > 30*time.Second {
				// The Deployments' status stopped short: count the pods themselves.
				n, err = readyBenchPodsByList(ctx, cs)
			}
			if n != last && n > 0 && (n-last >= o.pods/10 || n >= o.pods) {
				logf("%d/%d pods Running", n, o.pods)
				last = n
			}
			return n >= o.pods, err
		}); err != nil {
			return err
		}
		logf("%d pods Running in %.1fs", o.pods, time.Since(t0).Seconds())
	}
	if deferMetrics {
		if err := c.startMetricsAPI(ctx); err != nil {
			return err
		}
	}

	for _, dir := range o.scenarios {
		if err := c.applyScenario(ctx, dir); err != nil {
			return err
		}
	}

	// --- ready: write FILE last, atomically, so a caller can wait for it to appear ---
	tmp := filepath.Join(c.work, "kubeconfig", "out.kubeconfig")
	if err := c.writeKubeconfig(tmp, "admin", true); err != nil {
		return err
	}
	ro := filepath.Join(c.work, "kubeconfig", "readonly-embedded.kubeconfig")
	if err := c.writeKubeconfig(ro, "readonly", true); err != nil {
		return err
	}
	merged, err := mergeKubeconfigs(tmp, ro)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(o.kubeconfig), 0o755); err != nil {
		return err
	}
	staged := o.kubeconfig + ".tmp"
	if err := clientcmd.WriteToFile(*merged, staged); err != nil {
		return err
	}
	if err := os.Rename(staged, o.kubeconfig); err != nil {
		return err
	}
	logf("READY in %.1fs: kubeconfig %s (contexts kubilitics-test, kubilitics-test-readonly)", time.Since(c.started).Seconds(), o.kubeconfig)
	c.reportMemory()
	return nil
}

func mergeKubeconfigs(admin, readonly string) (*clientcmdapi.Config, error) {
	a, err := clientcmd.LoadFromFile(admin)
	if err != nil {
		return nil, err
	}
	r, err := clientcmd.LoadFromFile(readonly)
	if err != nil {
		return nil, err
	}
	for k, v := range r.AuthInfos {
		a.AuthInfos[k] = v
	}
	for k, v := range r.Contexts {
		a.Contexts[k] = v
	}
	a.CurrentContext = "kubilitics-test"
	return a, nil
}

// reportMemory prints each component's resident memory (VmRSS), the figure the README quotes.
func (c *cluster) reportMemory() {
	var parts []string
	total := 0
	for _, ch := range c.children {
		kb := rssKB(ch.cmd.Process.Pid)
		total += kb
		parts = append(parts, fmt.Sprintf("%s=%dMiB", ch.name, kb/1024))
	}
	logf("memory (RSS): %s total=%dMiB", strings.Join(parts, " "), total/1024)
}

func rssKB(pid int) int {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "VmRSS:") {
			fields := strings.Fields(sc.Text())
			if len(fields) >= 2 {
				n, _ := strconv.Atoi(fields[1])
				return n
			}
		}
	}
	return 0
}

func (c *cluster) kubectl(ctx context.Context, args ...string) error {
	full := append([]string{"--kubeconfig", c.kubeconfigPath("admin")}, args...)
	cmd := exec.CommandContext(ctx, c.opts.kubectl, full...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("kubectl %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	return nil
}

// applyManifest runs kubectl apply (as the admin) on manifest and returns its output.
func (c *cluster) applyManifest(ctx context.Context, manifest string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, c.opts.kubectl, "--kubeconfig", c.kubeconfigPath("admin"), "apply", "-f", "-")
	cmd.Stdin = strings.NewReader(manifest)
	return cmd.CombinedOutput()
}

// applyScenario applies every manifest under dir. Manifests may say __SCENARIO_DIR__ where they
// need the directory's absolute path (KWOK's Logs/ClusterLogs name log files on this machine).
// expected.yaml describes the scenario for the checker and is not applied.
func (c *cluster) applyScenario(ctx context.Context, dir string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	var files []string
	err = filepath.WalkDir(abs, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || filepath.Base(path) == "expected.yaml" {
			return nil
		}
		if ext := filepath.Ext(path); ext == ".yaml" || ext == ".yml" || ext == ".json" {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("scenario %s: %w", dir, err)
	}
	if len(files) == 0 {
		return fmt.Errorf("scenario %s: no manifests", dir)
	}
	var all strings.Builder
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		all.WriteString("---\n")
		all.WriteString(strings.ReplaceAll(string(data), "__SCENARIO_DIR__", abs))
		all.WriteString("\n")
	}
	if out, err := c.applyManifest(ctx, all.String()); err != nil {
		return fmt.Errorf("apply scenario %s: %w\n%s", dir, err, out)
	}
	logf("applied scenario %s", dir)
	return nil
}

// startMetricsAPI runs `testcluster metrics-api` (see metrics.go) and registers it with the
// aggregator the way metrics-server's manifest does: an APIService v1beta1.metrics.k8s.io backed
// by the Service kube-system/metrics-server. That Service is an ExternalName for localhost, since
// nothing routes cluster IPs here; the aggregator dials it and checks the serving certificate
// against metrics-server.kube-system.svc, as with any APIService.
func (c *cluster) startMetricsAPI(ctx context.Context) error {
	p := c.pki.path
	if _, err := c.startChild("metrics-api", c.self, []string{"metrics-api",
		"--kubeconfig=" + c.kubeconfigPath("metrics-api"),
		"--kwok-url=https://127.0.0.1:" + strconv.Itoa(c.ports.kwok),
		"--listen=127.0.0.1:" + strconv.Itoa(c.ports.metrics),
		"--tls-cert-file=" + p("metrics-api-serving.crt"),
		"--tls-private-key-file=" + p("metrics-api-serving.key"),
		"--client-ca-file=" + p("ca.crt"),
		"--kubelet-client-certificate=" + p("apiserver-kubelet-client.crt"),
		"--kubelet-client-key=" + p("apiserver-kubelet-client.key"),
		// metrics-server's 15 s is for one kubelet per node; here one KWOK answers for every node,
		// so large benchmark clusters are scraped less often (2,000 nodes: every 30 s).
		"--metric-resolution=" + (10*time.Second + time.Duration(c.opts.nodes/100)*time.Second).String(),
	}, nil); err != nil {
		return err
	}
	ca, err := os.ReadFile(p("ca.crt"))
	if err != nil {
		return err
	}
	manifest := fmt.Sprintf(`apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: system:metrics-server
rules:
- apiGroups: [""]
  resources: [nodes, nodes/metrics, pods]
  verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: system:metrics-server
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "system:metrics-server"}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: User, name: "system:metrics-server"}
---
apiVersion: v1
kind: Service
metadata:
  name: metrics-server
  namespace: kube-system
  labels: {k8s-app: metrics-server}
spec:
  type: ExternalName
  externalName: localhost
  ports:
  - {name: https, port: %d, protocol: TCP}
---
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata:
  name: v1beta1.metrics.k8s.io
  labels: {k8s-app: metrics-server}
spec:
  group: metrics.k8s.io
  version: v1beta1
  groupPriorityMinimum: 100
  versionPriority: 100
  caBundle: %s
  service: {name: metrics-server, namespace: kube-system, port: %d}
`, c.ports.metrics, base64.StdEncoding.EncodeToString(ca), c.ports.metrics)
	if out, err := c.applyManifest(ctx, manifest); err != nil {
		return fmt.Errorf("register the metrics API: %w\n%s", err, out)
	}
	return nil
}

// leaseSeconds is the node lease duration KWOK reports; it renews every quarter of it, as a
// kubelet does. 40 s is the kubelet's default, and at 2,000 nodes it means 200 lease updates a
// second: on 2 cores that alone starves the scheduler and KWOK's pod work. Large clusters get
// longer leases (2,000 nodes: 160 s, renewed every 40 s), and the node lifecycle controller a
// grace period to match (nodeGracePeriod).
func (c *cluster) leaseSeconds() int {
	n := (c.opts.nodes + 499) / 500
	return 40 * max(1, min(n, 6))
}

// nodeGracePeriod is --node-monitor-grace-period: the default 50 s up to 500 nodes, else two
// renew intervals and 10 s, so one late renewal does not make a node NotReady.
func (c *cluster) nodeGracePeriod() time.Duration {
	renew := time.Duration(c.leaseSeconds()) * time.Second / 4
	return max(50*time.Second, 2*renew+10*time.Second)
}

// debugArgs are the scheduler's or controller-manager's serving flags: no serving port at all
// (the default), or with --profiling a loopback port whose /metrics and /debug/pprof/ need no
// credentials (the delegated authorizer allows those paths to anyone, anonymous included).
func (c *cluster) debugArgs(port int) []string {
	if !c.opts.profiling {
		return []string{"--secure-port=0", "--profiling=false"}
	}
	return []string{
		"--secure-port=" + strconv.Itoa(port),
		"--profiling=true",
		"--authorization-always-allow-paths=/healthz,/readyz,/livez,/metrics,/debug/pprof/*",
	}
}

// largeClusterNodes: above this many nodes the scheduler scores fewer nodes per pod and drops
// the default spreading score (schedulerConfig), as leases get longer (leaseSeconds).
const largeClusterNodes = 500

// schedulerConfig is the KubeSchedulerConfiguration. Up to largeClusterNodes it is the default
// profile: the scenarios read the real scheduler's FailedScheduling messages, and every plugin
// scores as in a default cluster. Above it only scoring changes, never filtering, so a pod is
// placed on a node that fits by the same rules and fails with the same message:
//   - percentageOfNodesToScore 5: the scheduler stops looking once it has found 100 feasible
//     nodes (its floor) instead of the adaptive 50% - nodes/125 (680 of 2,000 nodes), and scores
//     only those;
//   - PodTopologySpread without the system default constraints (defaultingType List, none
//     listed): with them every Deployment pod is scored for zone and hostname spread, which
//     counts the matching pods on every node of the cluster (2,000 nodes x ~25 pods) per pod.
//     Constraints a pod declares itself still filter and score.
func (c *cluster) schedulerConfig() string {
	cfg := fmt.Sprintf(`apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
clientConnection:
  kubeconfig: %q
  qps: 300
  burst: 600
leaderElection:
  leaderElect: false
`, c.kubeconfigPath("scheduler"))
	if !c.large() {
		return cfg
	}
	return cfg + `percentageOfNodesToScore: 5
profiles:
- schedulerName: default-scheduler
  pluginConfig:
  - name: PodTopologySpread
    args:
      defaultingType: List
      defaultConstraints: []
`
}

// large says whether the large-cluster settings apply (above largeClusterNodes nodes; the
// environment variable KUBILITICS_LARGE_CLUSTER=on or =off decides instead, for measurements).
func (c *cluster) large() bool {
	switch os.Getenv("KUBILITICS_LARGE_CLUSTER") {
	case "on":
		return true
	case "off":
		return false
	}
	return c.opts.nodes > largeClusterNodes
}

// controllerManagerGates: on large clusters the ReplicaSet controller works as before 1.36.
// Its StaleControllerConsistencyReplicaSet (beta, on by default in 1.36) fails a sync while the
// controller's informers have not yet seen its own last write ("read version ... is not as new
// as written version ...") and requeues the ReplicaSet rate-limited (exponential backoff per
// item, and one 10/s bucket for all of them). With 1,000 ReplicaSets and 50,000 pods the
// informers lag under load and the retries pile up.
func (c *cluster) controllerManagerGates() []string {
	if !c.large() {
		return nil
	}
	return []string{"--feature-gates=StaleControllerConsistencyReplicaSet=false"}
}
