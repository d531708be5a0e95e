package cli

import (
	"testing"

	"github.com/inferbench/inferbench/app/cli/internal/clitest"
)

func TestMain(m *testing.M) { clitest.Main(m, Main) }
