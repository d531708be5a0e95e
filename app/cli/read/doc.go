// Package read holds the commands that read stored runs without measuring: runs, export,
// compare, import (which reads other databases into this one) and models.
package read
