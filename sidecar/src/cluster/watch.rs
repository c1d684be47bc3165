//! How each cached kind is watched: its first list, then its changes, with backoff.
//!
//! The first list is a *streaming list* (`sendInitialEvents`) where the API server has one: the
//! server streams every object from its watch cache as a watch event while this process decodes
//! the ones before, so its encoding and our decoding overlap. A paginated list makes both sides
//! take turns, page by page (measured at 50,000 pods in `sidecar/BENCHMARKS.md`). Streaming
//! lists are on by default in Kubernetes 1.32 and from 1.34; a server whose `WatchList` gate is
//! off (1.27–1.31 and 1.33 by default) refuses the request with 422, and the watch then falls
//! back to pages for good. Servers older than 1.27 do not know the parameter and would answer
//! with a plain watch that never marks the end of the initial list, so they get pages from the
//! start.
//!
//! A namespaced kind the credentials may not list cluster-wide is watched in the context's
//! namespace instead ([`watch_namespaced`]).

use std::fmt::Debug;
use std::time::{Duration, Instant};

use futures::Stream;
use futures::stream::{self, BoxStream, StreamExt};
use k8s_openapi::apimachinery::pkg::version::Info;
use kube::core::NamespaceResourceScope;
use kube::runtime::{WatchStreamExt, watcher};
use kube::{Api, Client, Resource};
use serde::de::DeserializeOwned;

/// Objects per page when the first list is paginated (client-go's default is 500; larger pages
/// mean fewer round trips at 50,000 pods).
const PAGE_SIZE: u32 = 1000;

/// How a kind's first list is fetched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InitialList {
    /// A streaming list, falling back to pages if the server refuses it.
    Streaming,
    /// Paginated lists only.
    Paginated,
}

impl InitialList {
    /// The strategy for a server reporting `version`: streaming from 1.27 (the first release
    /// that knows `sendInitialEvents`, even where it refuses it), pages before.
    pub fn for_server(version: &Info) -> InitialList {
        let major = leading_number(&version.major);
        // Managed clusters report minors like "29+".
        let minor = leading_number(&version.minor);
        match (major, minor) {
            (Some(1), Some(m)) if m >= 27 => InitialList::Streaming,
            (Some(maj), _) if maj > 1 => InitialList::Streaming,
            _ => InitialList::Paginated,
        }
    }
}

fn leading_number(s: &str) -> Option<u32> {
    let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

type Events<K> = BoxStream<'static, Result<watcher::Event<K>, watcher::Error>>;

/// The watch of every object `api` reaches, first list included, retried with kube's default
/// backoff. Errors are still yielded (the caller reports them per kind) and never end the stream.
pub fn watch_all<K>(api: Api<K>, initial: InitialList) -> Events<K>
where
    K: Resource + Clone + DeserializeOwned + Debug + Send + 'static,
{
    let pages = watcher::Config::default().page_size(PAGE_SIZE);
    match initial {
        InitialList::Paginated => watcher(api, pages).default_backoff().boxed(),
        InitialList::Streaming => {
            let streaming = watcher(api.clone(), watcher::Config::default().streaming_lists()).boxed();
            let paged = move |e: &watcher::Error| {
                tracing::info!(error = %e, "the API server does not serve streaming lists; using paginated lists");
                watcher(api, pages).boxed()
            };
            with_fallback(streaming, refuses_streaming, paged)
                .default_backoff()
                .boxed()
        }
    }
}

/// The watch of a namespaced kind: in every namespace when the credentials may list it
/// cluster-wide, else (the API server answers 403) in `namespace` only, the context's own, which
/// is what `kubectl get` shows such a user. Many users are bound to a namespace by a RoleBinding;
/// without this every namespaced kind would be forbidden to them. `narrowed` is called once when
/// the watch falls back to the namespace. A 403 there too is yielded: the kind is forbidden.
pub fn watch_namespaced<K>(
    client: Client,
    namespace: String,
    initial: InitialList,
    narrowed: impl FnOnce() + Send + 'static,
) -> Events<K>
where
    K: Resource<Scope = NamespaceResourceScope, DynamicType = ()> + Clone + DeserializeOwned + Debug + Send + 'static,
{
    let everywhere = watch_all(Api::all(client.clone()), initial);
    let one = move |e: &watcher::Error| {
        tracing::info!(kind = %K::plural(&()), namespace = %namespace, error = %e,
            "cannot watch every namespace; watching the context's namespace only");
        narrowed();
        watch_all(Api::namespaced(client, &namespace), initial)
    };
    with_fallback(everywhere, forbidden, one)
}

/// True when the API server refused a list or watch with 403 Forbidden (RBAC).
pub fn forbidden(err: &watcher::Error) -> bool {
    matches!(err,
        watcher::Error::InitialListFailed(kube::Error::Api(s)) | watcher::Error::WatchStartFailed(kube::Error::Api(s))
        | watcher::Error::WatchFailed(kube::Error::Api(s)) if s.code == 403)
}

/// `first` until it yields an error for which `switch` holds, then `fallback(that error)` from
/// then on. That error is not yielded: the fallback is the answer to it, not a failure of the
/// kind's watch.
fn with_fallback<K, F>(first: Events<K>, switch: fn(&watcher::Error) -> bool, fallback: F) -> Events<K>
where
    K: Send + 'static,
    F: FnOnce(&watcher::Error) -> Events<K> + Send + 'static,
{
    enum Phase<K, F> {
        Trying(Events<K>, F),
        Fallen(Events<K>),
    }
    stream::unfold(Phase::Trying(first, fallback), move |phase| async move {
        match phase {
            Phase::Fallen(mut s) => {
                let item = s.next().await?;
                Some((item, Phase::Fallen(s)))
            }
            Phase::Trying(mut s, fallback) => {
                let item = s.next().await?;
                if let Err(e) = &item
                    && switch(e)
                {
                    let mut s = fallback(e);
                    let item = s.next().await?;
                    return Some((item, Phase::Fallen(s)));
                }
                Some((item, Phase::Trying(s, fallback)))
            }
        }
    })
    .boxed()
}

/// How often a kind whose watch failed looks whether it is answered again.
const RESUME_CHECK: Duration = Duration::from_millis(500);

/// What a kind's watch loop handles next.
pub enum Next<T> {
    Item(T),
    /// The watch that failed at the given instant is answered again (and nothing changed
    /// meanwhile, or it would be an item).
    Resumed,
    End,
}

/// The next item of a kind's watch; while it is down (it failed at `down_since`), also
/// [`Next::Resumed`] once a watch of `resource` has been answered since then.
pub async fn next_or_resumed<S: Stream + Unpin>(
    stream: &mut S,
    watches: &super::client::WatchLog,
    resource: &str,
    down_since: Option<Instant>,
) -> Next<S::Item> {
    let Some(since) = down_since else {
        return stream.next().await.map_or(Next::End, Next::Item);
    };
    loop {
        tokio::select! {
            item = stream.next() => return item.map_or(Next::End, Next::Item),
            () = tokio::time::sleep(RESUME_CHECK) => {
                if watches.answered_since(resource, since) {
                    return Next::Resumed;
                }
            }
        }
    }
}

/// The answer a server gives to `sendInitialEvents` when its `WatchList` gate is off: the watch
/// request is invalid (422), or a bad request (400) from proxies that validate parameters.
fn refuses_streaming(e: &watcher::Error) -> bool {
    matches!(e, watcher::Error::WatchStartFailed(kube::Error::Api(s)) if s.code == 422 || s.code == 400)
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::ConfigMap;
    use kube::core::Status;

    fn version(major: &str, minor: &str) -> Info {
        Info {
            major: major.into(),
            minor: minor.into(),
            ..Info::default()
        }
    }

    #[test]
    fn streaming_lists_only_where_the_server_knows_the_parameter() {
        assert_eq!(InitialList::for_server(&version("1", "36")), InitialList::Streaming);
        assert_eq!(InitialList::for_server(&version("1", "27")), InitialList::Streaming);
        // EKS and GKE append a '+'.
        assert_eq!(InitialList::for_server(&version("1", "29+")), InitialList::Streaming);
        assert_eq!(InitialList::for_server(&version("1", "26")), InitialList::Paginated);
        assert_eq!(InitialList::for_server(&version("1", "")), InitialList::Paginated);
        assert_eq!(InitialList::for_server(&version("", "")), InitialList::Paginated);
    }

    fn api_error(code: u16) -> watcher::Error {
        let status = Status::failure("refused", "Invalid").with_code(code);
        watcher::Error::WatchStartFailed(kube::Error::Api(status.boxed()))
    }

    fn cm(name: &str) -> ConfigMap {
        let mut c = ConfigMap::default();
        c.metadata.name = Some(name.into());
        c
    }

    fn names(items: Vec<Result<watcher::Event<ConfigMap>, watcher::Error>>) -> Vec<String> {
        items
            .into_iter()
            .map(|i| match i {
                Ok(watcher::Event::Init) => "Init".to_string(),
                Ok(watcher::Event::InitApply(c)) => c.metadata.name.unwrap_or_default(),
                Ok(watcher::Event::InitDone) => "InitDone".to_string(),
                Ok(other) => format!("unexpected {other:?}"),
                Err(e) => format!("error {e}"),
            })
            .collect()
    }

    #[tokio::test]
    async fn a_server_refusing_streaming_lists_gets_paginated_ones_without_an_error() {
        let refused: Events<ConfigMap> = stream::iter(vec![Err(api_error(422))]).boxed();
        let paged: Events<ConfigMap> = stream::iter(vec![
            Ok(watcher::Event::Init),
            Ok(watcher::Event::InitApply(cm("a"))),
            Ok(watcher::Event::InitDone),
        ])
        .boxed();
        let got = names(
            with_fallback(refused, refuses_streaming, move |_| paged)
                .collect()
                .await,
        );
        assert_eq!(got, ["Init", "a", "InitDone"]);
    }

    #[tokio::test]
    async fn other_failures_are_reported_and_the_streaming_watch_goes_on() {
        let flaky: Events<ConfigMap> = stream::iter(vec![
            Err(api_error(403)),
            Ok(watcher::Event::Init),
            Ok(watcher::Event::InitApply(cm("a"))),
            Ok(watcher::Event::InitDone),
        ])
        .boxed();
        let never: Events<ConfigMap> = stream::iter(vec![Ok(watcher::Event::InitApply(cm("paged")))]).boxed();
        let got = names(with_fallback(flaky, refuses_streaming, move |_| never).collect().await);
        assert_eq!(got.len(), 4, "{got:?}");
        assert!(got[0].starts_with("error"), "{got:?}");
        assert_eq!(&got[1..], ["Init", "a", "InitDone"]);
    }

    #[tokio::test]
    async fn a_watch_refused_everywhere_falls_back_to_one_namespace_and_only_on_403() {
        let everywhere: Events<ConfigMap> = stream::iter(vec![Err(api_error(403))]).boxed();
        let one: Events<ConfigMap> = stream::iter(vec![
            Ok(watcher::Event::Init),
            Ok(watcher::Event::InitApply(cm("mine"))),
            Ok(watcher::Event::InitDone),
        ])
        .boxed();
        let got = names(with_fallback(everywhere, forbidden, move |_| one).collect().await);
        assert_eq!(got, ["Init", "mine", "InitDone"], "the 403 is answered, not reported");

        // A server that is down (500) is not a narrower right: the error is reported and the
        // cluster-wide watch goes on.
        let down: Events<ConfigMap> = stream::iter(vec![Err(api_error(500)), Ok(watcher::Event::Init)]).boxed();
        let never: Events<ConfigMap> = stream::iter(vec![Ok(watcher::Event::InitApply(cm("one")))]).boxed();
        let got = names(with_fallback(down, forbidden, move |_| never).collect().await);
        assert!(got[0].starts_with("error"), "{got:?}");
        assert_eq!(&got[1..], ["Init"]);
    }
}
