#include "autotuner/task/parse.h"

#include <gtest/gtest.h>
