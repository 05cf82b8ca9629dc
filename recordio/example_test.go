package recordio_test

import (
	"fmt"
	"io"
	"strings"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/recordio"
)

func ExampleNewReader() {
	in := "name,city\n张三,北京\n\"Li, Wei\",上海\n"
	r, err := recordio.NewReader(strings.NewReader(in), recordio.Options{Format: recordio.FormatCSV})
	if err != nil {
		fmt.Println(err)
		return
	}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		} else if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(rec.Line, rec.Names, rec.Values)
	}
	fmt.Println(r.Charset(), r.BytesRead())
	// Output:
	// 2 [name city] [张三 北京]
	// 3 [name city] [Li, Wei 上海]
	// utf-8 41
}

func ExampleError() {
	in := `{"user":{"name":"张三"}}` + "\n" + `{"user":{"name":"李四",}}` + "\n"
	r, _ := recordio.NewReader(strings.NewReader(in), recordio.Options{Format: recordio.FormatJSONL})
	for {
		rec, err := r.Read()
		if err != nil {
			fmt.Println(err)
			fmt.Println(sluice.ErrorCode(err), sluice.ErrorMessage(err))
			return
		}
		fmt.Println(rec.Names, rec.Values)
	}
	// Output:
	// [user.name] [张三]
	// line 2, field "user": invalid JSON: expected a quoted key, found '}' at column 22
	// invalid Line 2, field "user": invalid JSON: expected a quoted key, found '}' at column 22.
}
