//go:build !linux && !darwin

package engine

func detectPlatform(*Machine) {}
