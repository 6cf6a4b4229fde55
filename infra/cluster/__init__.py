"""The cluster deployment: Kubernetes manifests (kustomize base + overlays, Helm values for the public charts)
and the generated inputs they mount (`infra.cluster.config`, written by `lakehouse cluster render-config`)."""
