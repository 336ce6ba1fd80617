#include <hdf5.h>
// HDF5's type and property-list ids are macros over library globals; Swift cannot import them.
static inline hid_t    chdf5_native_float(void)   { return H5T_NATIVE_FLOAT; }
static inline hid_t    chdf5_native_double(void)  { return H5T_NATIVE_DOUBLE; }
static inline hid_t    chdf5_native_int64(void)   { return H5T_NATIVE_INT64; }
static inline hid_t    chdf5_native_uint8(void)   { return H5T_NATIVE_UINT8; }
static inline hid_t    chdf5_c_s1(void)           { return H5T_C_S1; }
static inline hid_t    chdf5_p_default(void)      { return H5P_DEFAULT; }
static inline hid_t    chdf5_p_file_access(void)  { return H5P_FILE_ACCESS; }
static inline hid_t    chdf5_p_file_create(void)  { return H5P_FILE_CREATE; }
static inline hid_t    chdf5_p_dataset_create(void) { return H5P_DATASET_CREATE; }
static inline hid_t    chdf5_p_dataset_xfer(void) { return H5P_DATASET_XFER; }
static inline hid_t    chdf5_p_link_create(void)  { return H5P_LINK_CREATE; }
static inline unsigned chdf5_f_acc_trunc(void)    { return H5F_ACC_TRUNC; }
static inline unsigned chdf5_f_acc_excl(void)     { return H5F_ACC_EXCL; }
static inline unsigned chdf5_f_acc_rdwr(void)     { return H5F_ACC_RDWR; }
static inline unsigned chdf5_f_acc_rdonly(void)   { return H5F_ACC_RDONLY; }
static inline hsize_t  chdf5_s_unlimited(void)    { return H5S_UNLIMITED; }
static inline size_t   chdf5_t_variable(void)     { return H5T_VARIABLE; }
static inline hid_t    chdf5_s_all(void)          { return H5S_ALL; }
// Store: stored dtypes other than the four above, and constants Swift imports with the wrong type.
static inline hid_t    chdf5_native_int8(void)    { return H5T_NATIVE_INT8; }
static inline hid_t    chdf5_native_int16(void)   { return H5T_NATIVE_INT16; }
static inline hid_t    chdf5_native_int32(void)   { return H5T_NATIVE_INT32; }
static inline hid_t    chdf5_native_uint16(void)  { return H5T_NATIVE_UINT16; }
static inline hid_t    chdf5_native_uint32(void)  { return H5T_NATIVE_UINT32; }
static inline hid_t    chdf5_native_uint64(void)  { return H5T_NATIVE_UINT64; }
static inline hid_t    chdf5_ieee_f32le(void)     { return H5T_IEEE_F32LE; }
static inline hid_t    chdf5_e_default(void)      { return H5E_DEFAULT; }
static inline unsigned chdf5_o_info_num_attrs(void) { return H5O_INFO_NUM_ATTRS; }
static inline unsigned chdf5_f_obj_all(void)      { return H5F_OBJ_ALL; }
static inline H5FD_mpio_xfer_t chdf5_mpio_independent(void) { return H5FD_MPIO_INDEPENDENT; }
static inline H5FD_mpio_xfer_t chdf5_mpio_collective(void) { return H5FD_MPIO_COLLECTIVE; }
static inline MPI_Info chdf5_info_null(void) { return MPI_INFO_NULL; }
// Store: checksummed layouts (docs/data.md §7).
static inline hid_t    chdf5_p_group_create(void) { return H5P_GROUP_CREATE; }
static inline H5F_libver_t chdf5_libver_latest(void) { return H5F_LIBVER_LATEST; }
