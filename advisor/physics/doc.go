// Package physics derives, from a configuration (model shape, parameters,
// precision, context, batch, the machine's bandwidth), the quantities that
// inference time and memory follow — bytes read per decode step, KV-cache
// bytes, FLOPs, kernels per layer — and the terms each physical model sums
// (roofline, linear, overhead, dispatch) and the features the regressions
// read. It fits nothing: package regress does.
package physics
