package advise_test

import (
	"testing"

	"github.com/inferbench/inferbench/app/cli"
	"github.com/inferbench/inferbench/app/cli/internal/clitest"
)

func TestMain(m *testing.M) { clitest.Main(m, cli.Main) }
