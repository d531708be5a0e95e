// Package advise holds the commands that fit the advisor to the stored runs and report what it
// learnt: fit, predict, recommend, charts and report, with the flags they share.
package advise
